import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../store/schema.ts'
import type { Kind } from '../domain/kinds.ts'
import { PROJECT_CHANGES } from '../match/collaboration-graph.ts'

/** What happened to a write. `stale`: older than (or as old as, with other content) the stored version. */
export type WriteOutcome = 'created' | 'updated' | 'unchanged' | 'stale' | 'deleted' | 'not_found'

export interface WriteResult {
  outcome: WriteOutcome
  version: number
  /** The stored version when the write was ignored. */
  storedVersion?: number
}

export interface StoredRecord {
  kind: Kind
  id: string
  version: number
  visibility: string
  body: Record<string, unknown>
  updatedAt: string
}

/** One upsert of a batch: `body` is what is stored (with `id` and `version`). */
export interface RecordWrite {
  kind: Kind
  id: string
  version: number
  body: Record<string, unknown>
}

/**
 * Writes records and their outbox rows in one transaction, guarded by version: the newest version
 * wins whatever order writes arrive in, and a replay of the same write changes nothing.
 */
export class RecordRepository {
  constructor (private readonly db: Kysely<Database>) {}

  /** The version a write carries: `version`, else `updatedAt` in ms, else now. */
  static versionOf (body: { version?: number, updatedAt?: string }): number {
    if (typeof body.version === 'number') return body.version
    if (body.updatedAt) return Date.parse(body.updatedAt)
    return Date.now()
  }

  async put (kind: Kind, id: string, body: Record<string, unknown>): Promise<WriteResult> {
    const version = RecordRepository.versionOf(body)
    const stored = { ...body, id, version }
    return this.db.transaction().execute((tx) => this.putIn(tx, kind, id, version, stored))
  }

  /** Same as `put`, inside a caller's transaction: a batch of one. */
  async putIn (tx: Transaction<Database>, kind: Kind, id: string, version: number, body: Record<string, unknown>): Promise<WriteResult> {
    return (await this.putManyIn(tx, [{ kind, id, version, body }]))[0] as WriteResult
  }

  /**
   * Upserts a batch of distinct records in a handful of statements whatever its size: one
   * upsert that also queues the outbox rows and reports what it ignored, then the projects'
   * participants and notifications. With two to five statements per record a bulk import spent
   * its time in round trips (1,305 records/s on Postgres at 100k records, bench/accept.ts). Results are in the
   * order of `writes`; the same record twice in one batch is refused (the import commits the first
   * before it reads the second).
   */
  async putManyIn (tx: Transaction<Database>, writes: readonly RecordWrite[]): Promise<WriteResult[]> {
    if (writes.length === 0) return []
    const keys = new Set(writes.map((w) => `${w.kind}/${w.id}`))
    if (keys.size < writes.length) throw new Error('putManyIn: the same record twice in one batch')
    const input = JSON.stringify(writes.map((w) => ({ kind: w.kind, id: w.id, version: w.version, visibility: String(w.body.visibility ?? 'public'), body: w.body })))
    // Rows are locked in key order: two imports upserting the same records wait for each other
    // rather than deadlock.
    // The final select reads `records` as it was before this statement: for an ignored write, the
    // stored row it lost to; a written row is reported by the insert itself.
    const result = await sql<{ kind: string, id: string, written: boolean, inserted: boolean | null, stored_version: string | number | null, deleted: boolean | null, same: boolean | null }>`
      with input as (
        select * from jsonb_to_recordset(${input}::jsonb) as x(kind text, id text, version bigint, visibility text, body jsonb)
      ), written as (
        insert into records (kind, id, version, visibility, deleted, body, updated_at)
        select kind, id, version, visibility, false, body, now() from input order by kind, id
        on conflict (kind, id) do update
          set version = excluded.version, visibility = excluded.visibility, deleted = false,
              body = excluded.body, updated_at = now()
          where records.version < excluded.version
        returning kind, id, version, (xmax = 0) as inserted
      ), queued as (
        insert into outbox (kind, record_id, version, op) select kind, id, version, 'upsert' from written
      )
      select i.kind, i.id, w.id is not null as written, w.inserted, r.version as stored_version, r.deleted, r.body = i.body as same
      from input i
      left join written w on w.kind = i.kind and w.id = i.id
      left join records r on w.id is null and r.kind = i.kind and r.id = i.id`.execute(tx)
    const byKey = new Map(result.rows.map((r) => [`${r.kind}/${r.id}`, r]))
    const results = writes.map((w): WriteResult => {
      const r = byKey.get(`${w.kind}/${w.id}`)
      if (!r) throw new Error(`putManyIn: no result for ${w.kind}/${w.id}`)
      if (r.written) return { outcome: r.inserted ? 'created' : 'updated', version: w.version }
      const storedVersion = Number(r.stored_version ?? 0)
      if (!r.deleted && r.same && storedVersion === w.version) return { outcome: 'unchanged', version: w.version }
      return { outcome: 'stale', version: w.version, storedVersion }
    })
    const projects = writes.filter((w, i) => w.kind === 'projects' && (results[i]?.outcome === 'created' || results[i]?.outcome === 'updated'))
    if (projects.length > 0) {
      const ids = JSON.stringify(projects.map((p) => p.id))
      await sql`delete from project_participants where project_id in (select jsonb_array_elements_text(${ids}::jsonb))`.execute(tx)
      const rows = projects.flatMap((p) => participantRows(p.id, p.body.participants, p.body.programme))
      if (rows.length > 0) {
        await sql`
          insert into project_participants (project_id, organization_id, role, programme)
          select project_id, organization_id, role, programme
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(project_id text, organization_id text, role text, programme text)`.execute(tx)
      }
      await sql`select pg_notify(${PROJECT_CHANGES}, id) from jsonb_array_elements_text(${ids}::jsonb) as id`.execute(tx)
    }
    return results
  }

  async delete (kind: Kind, id: string, version?: number): Promise<WriteResult> {
    return this.db.transaction().execute((tx) => this.deleteIn(tx, kind, id, version))
  }

  async deleteIn (tx: Transaction<Database>, kind: Kind, id: string, version?: number): Promise<WriteResult> {
    const current = await tx.selectFrom('records').select(['version', 'deleted'])
      .where('kind', '=', kind).where('id', '=', id).forUpdate().executeTakeFirst()
    if (!current) return { outcome: 'not_found', version: version ?? 0 }
    const storedVersion = Number(current.version)
    // A delete without a version supersedes whatever is stored, and repeating it changes nothing.
    if (current.deleted && version === undefined) return { outcome: 'unchanged', version: storedVersion }
    const next = version ?? Math.max(storedVersion + 1, Date.now())
    if (current.deleted && next <= storedVersion) return { outcome: 'unchanged', version: storedVersion }
    if (next <= storedVersion) return { outcome: 'stale', version: next, storedVersion }
    await tx.updateTable('records')
      .set({ version: next, deleted: true, body: JSON.stringify({ id }), updated_at: new Date() })
      .where('kind', '=', kind).where('id', '=', id).execute()
    await tx.insertInto('outbox').values({ kind, record_id: id, version: next, op: 'delete' }).execute()
    if (kind === 'projects') {
      await tx.deleteFrom('project_participants').where('project_id', '=', id).execute()
      await notifyProject(tx, id)
    }
    return { outcome: 'deleted', version: next }
  }

  async get (kind: Kind, id: string): Promise<StoredRecord | null> {
    const row = await this.db.selectFrom('records').selectAll()
      .where('kind', '=', kind).where('id', '=', id).where('deleted', '=', false).executeTakeFirst()
    if (!row) return null
    return {
      kind,
      id: row.id,
      version: Number(row.version),
      visibility: row.visibility,
      body: row.body as Record<string, unknown>,
      updatedAt: new Date(row.updated_at).toISOString()
    }
  }
}

/** A project's participant rows, one per organisation (the last role given wins). */
function participantRows (projectId: string, participants: unknown, programme: unknown) {
  const list = Array.isArray(participants) ? participants as Array<{ organizationId: string, role: string }> : []
  const unique = new Map(list.map((p) => [p.organizationId, p.role]))
  return [...unique].map(([organizationId, role]) => ({ project_id: projectId, organization_id: organizationId, role, programme: typeof programme === 'string' ? programme : null }))
}

/** Tells every collaboration graph in memory to re-read the project, once the transaction commits. */
async function notifyProject (tx: Transaction<Database>, projectId: string): Promise<void> {
  await sql`select pg_notify(${PROJECT_CHANGES}, ${projectId})`.execute(tx)
}
