import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'
import type { Embedder } from '../ports/embedder.ts'
import type { IndexOperation, SearchIndex } from '../ports/search-index.ts'
import type { Kind } from '../domain/kinds.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import { buildDocuments, type SourceRecord } from './document-builder.ts'

export const INDEX_JOB = 'index'

/** A batch of outbox rows to carry into the search index. */
export interface IndexJobData { seqs: string[] }

export interface IndexJobDeps {
  db: Kysely<Database>
  embedder: Embedder
  searchIndex: SearchIndex
  cache: VectorCache
  /** Settles once the model has loaded or is known to be off. */
  modelReady: Promise<void>
  /** Called with the ids of proposals indexed and never alerted (new proposals). */
  onNewProposals?: (ids: string[]) => Promise<void>
}

/**
 * The embed-and-index job. It indexes each record's *current* state (not the state the outbox row
 * saw), so a retried, duplicated or reordered job is harmless; the index's version check refuses
 * anything older than what it holds. Outbox rows are marked done only once their record is indexed.
 */
export function indexJobHandler (deps: IndexJobDeps) {
  const run = indexRecords(deps)
  return async (data: IndexJobData): Promise<void> => {
    try {
      await run(data)
    } catch (err) {
      // Whatever stopped the job (the index unreachable, the model gone), its pending rows say so
      // in /v1/status until a later attempt indexes them. Per-record failures were written already.
      if ((err as { errorsRecorded?: boolean }).errorsRecorded) throw err
      await deps.db.updateTable('outbox').set({ last_error: String((err as Error).message).slice(0, 1000) })
        .where('seq', 'in', data.seqs).where('done_at', 'is', null).execute().catch(() => {})
      throw err
    }
  }
}

function indexRecords (deps: IndexJobDeps) {
  return async (data: IndexJobData): Promise<void> => {
    await deps.modelReady
    const rows = await deps.db.selectFrom('outbox').select(['seq', 'kind', 'record_id'])
      .where('seq', 'in', data.seqs).where('done_at', 'is', null).execute()
    if (rows.length === 0) return

    const keys = new Map<string, { kind: Kind, id: string, seqs: string[] }>()
    for (const r of rows) {
      const key = `${r.kind}/${r.record_id}`
      const entry = keys.get(key) ?? { kind: r.kind as Kind, id: r.record_id, seqs: [] }
      entry.seqs.push(String(r.seq))
      keys.set(key, entry)
    }

    const current = await deps.db.selectFrom('records').select(['kind', 'id', 'revision', 'deleted', 'body', 'updated_at'])
      .where((eb) => eb.or([...keys.values()].map((k) => eb.and([eb('kind', '=', k.kind), eb('id', '=', k.id)]))))
      .execute()

    const live: SourceRecord[] = []
    const operations: IndexOperation[] = []
    for (const r of current) {
      if (r.deleted) operations.push({ op: 'delete', kind: r.kind as Kind, id: r.id, version: Number(r.revision) })
      else live.push({ kind: r.kind as Kind, id: r.id, version: Number(r.revision), body: r.body as Record<string, unknown>, updatedAt: new Date(r.updated_at).toISOString() })
    }
    const { docs } = await buildDocuments(live, deps.embedder, deps.cache)
    for (const doc of docs) operations.push({ op: 'upsert', doc })

    const result = await deps.searchIndex.bulk(operations)
    const failed = new Set(result.failed.map((f) => `${f.kind}/${f.id}`))
    const done = [...keys].filter(([key]) => !failed.has(key)).flatMap(([, k]) => k.seqs)
    if (done.length > 0) {
      await deps.db.updateTable('outbox').set({ done_at: new Date() }).where('seq', 'in', done).execute()
    }
    if (deps.onNewProposals) {
      const indexed = docs.filter((d) => d.kind === 'proposals' && !failed.has(`proposals/${d.id}`)).map((d) => d.id)
      if (indexed.length > 0) {
        const alerted = await deps.db.selectFrom('alerts').select('proposal_id').where('proposal_id', 'in', indexed).execute()
        const fresh = indexed.filter((id) => !alerted.some((a) => a.proposal_id === id))
        if (fresh.length > 0) await deps.onNewProposals(fresh)
      }
    }
    if (result.failed.length > 0) {
      const reason = result.failed.slice(0, 3).map((f) => `${f.kind}/${f.id}: ${f.reason}`).join('; ')
      await deps.db.updateTable('outbox').set({ last_error: reason.slice(0, 1000) })
        .where('seq', 'in', [...keys].filter(([key]) => failed.has(key)).flatMap(([, k]) => k.seqs)).execute()
      throw Object.assign(new Error(`${result.failed.length} of ${operations.length} index operations failed: ${reason}`), { errorsRecorded: true })
    }
  }
}
