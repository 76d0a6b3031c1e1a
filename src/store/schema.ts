import type { ColumnType, Generated } from 'kysely'

/** Row types of the store's tables, as Kysely sees them. */
export interface RecordsTable {
  kind: string
  id: string
  /** The portal's version (from `version` or `updatedAt`); null when no write carried one. */
  version: ColumnType<string | null, number | string | null, number | string | null>
  /** The engine's revision: greatest(previous + 1, version) at each applied change; the index's version. */
  revision: ColumnType<string, number | string, number | string>
  visibility: string
  deleted: ColumnType<boolean, boolean | undefined, boolean>
  body: ColumnType<unknown, string, string>
  updated_at: ColumnType<Date, Date | undefined, Date>
}

export interface OutboxTable {
  seq: Generated<string>
  kind: string
  record_id: string
  /** The record's revision this row carries to the index. */
  revision: ColumnType<string, number | string, number | string>
  op: 'upsert' | 'delete'
  /** The queue's id of the job that carries this row (null: not enqueued yet). */
  job_id: ColumnType<string | null, string | null | undefined, string | null>
  created_at: ColumnType<Date, Date | undefined, never>
  enqueued_at: Date | null
  done_at: Date | null
  attempts: ColumnType<number, number | undefined, number>
  last_error: string | null
}

export interface VectorsTable {
  model: string
  content_hash: string
  dims: number
  vector: Uint8Array
  created_at: ColumnType<Date, Date | undefined, never>
}

export interface ProjectParticipantsTable {
  project_id: string
  organization_id: string
  role: string
  /** The project's programme area (copied from the project record). */
  programme: string | null
  /** The project's start date (YYYY-MM-DD, copied from the project record). */
  start: ColumnType<string | null, string | null | undefined, string | null>
}

export interface RankerModelsTable {
  version: Generated<number>
  /** What the model ranks: `partners`. */
  target: string
  trained_at: ColumnType<Date, Date | undefined, never>
  weights: ColumnType<unknown, string, string>
  /** Training data sizes, split and offline metrics (ranker-trainer.ts). */
  report: ColumnType<unknown, string, string>
  active: ColumnType<boolean, boolean | undefined, boolean>
}

export interface FeedbackTable {
  seq: Generated<string>
  person_id: string
  item_kind: string
  item_id: string
  event: 'shown' | 'clicked' | 'interest' | 'dismissed' | 'contact_accepted'
  at: ColumnType<Date, Date | undefined, never>
}

export interface AlertsTable {
  proposal_id: string
  candidates: ColumnType<unknown, string, string>
  created_at: ColumnType<Date, Date | undefined, never>
  delivered_at: Date | null
  last_error: string | null
}

export interface ServiceSecretsTable {
  /** What the secret is for: `cursor` (page cursors' signing key). */
  name: string
  /** Random bytes, base64url. */
  secret: string
  created_at: ColumnType<Date, Date | undefined, never>
}

export interface Database {
  alerts: AlertsTable
  feedback: FeedbackTable
  records: RecordsTable
  outbox: OutboxTable
  vectors: VectorsTable
  project_participants: ProjectParticipantsTable
  ranker_models: RankerModelsTable
  service_secrets: ServiceSecretsTable
}
