import { sql } from 'kysely'
import type { Parts } from '../parts.ts'
import { reindexAll } from './reindex.ts'
import { EmbeddedIndex } from '../search/embedded/embedded-index.ts'

/** Where the refill of the embedded index at start stands (shown by /ready). */
export interface RefillProgress {
  state: 'waiting' | 'running' | 'done' | 'failed'
  /** Documents written into the index so far, of `total` live records. */
  indexed: number
  total: number
  ms: number
  error?: string
}

/**
 * Refills the in-memory index from the store in the background, so that the service answers at
 * once: reads at once, search over what is indexed so far. It writes the vectors already stored
 * and embeds nothing. Records the outbox still carries (a backlog at restart) are left to their
 * jobs; records whose texts have no stored vector otherwise (a new model) are indexed on their
 * words now and queued in the outbox, where the worker embeds them as it does any write. Logs its
 * progress every few seconds.
 *
 * The kNN graphs are not built while it runs (0.74 ms a vector: 80 s for 40,000 records): the exact
 * scan answers, and once the vectors are in, the graphs saved beside the store are loaded if they
 * were built from exactly these vectors, and rebuilt in the background otherwise
 * (EmbeddedIndex.restoreGraphs).
 */
export function refillInBackground (parts: Parts, log: (line: string) => void): { progress: RefillProgress, done: Promise<void> } {
  const progress: RefillProgress = { state: 'waiting', indexed: 0, total: 0, ms: 0 }
  const started = performance.now()
  const graphs = parts.searchIndex instanceof EmbeddedIndex ? parts.searchIndex : null
  graphs?.deferGraphs()
  const done = (async () => {
    // The stored vectors are keyed by model: wait until it is known (or known to be off).
    await parts.modelReady
    progress.state = 'running'

    const perKind = new Map<string, { done: number, total: number }>()
    let lastLog = performance.now()
    const stats = await reindexAll({
      db: parts.store.db,
      embedder: parts.embedder,
      cache: parts.vectors,
      target: parts.searchIndex,
      embedMissing: false,
      // Records the outbox still carries are left to it: their jobs index them with their vectors,
      // so a record in the index has been through the pipeline.
      skipPending: true,
      onProgress: ({ kind, done, total }) => {
        perKind.set(kind, { done, total })
        progress.indexed = [...perKind.values()].reduce((a, k) => a + k.done, 0)
        progress.total = Math.max(progress.total, [...perKind.values()].reduce((a, k) => a + k.total, 0))
        if (performance.now() - lastLog > 5000) {
          lastLog = performance.now()
          log(`refilling the embedded index from the store: ${progress.indexed.toLocaleString('en')} documents so far`)
        }
      }
    })
    progress.indexed = stats.documents
    progress.total = Math.max(progress.total, stats.documents)
    // Records indexed without their vectors: to the outbox (unless a row already waits for them).
    if (stats.withoutVectors.length > 0) {
      await sql`
        insert into outbox (kind, record_id, revision, op)
        select x.kind, x.id, x.version, 'upsert'
        from jsonb_to_recordset(${JSON.stringify(stats.withoutVectors)}::jsonb) as x(kind text, id text, version bigint)
        where not exists (select 1 from outbox o where o.kind = x.kind and o.record_id = x.id and o.done_at is null)`.execute(parts.store.db)
    }
    progress.state = 'done'
    progress.ms = Math.round(performance.now() - started)
    if (stats.documents > 0) {
      log(`embedded index refilled from the store: ${stats.documents} documents in ${progress.ms} ms` +
        (stats.withoutVectors.length > 0 ? `; ${stats.withoutVectors.length} without vectors yet, queued for embedding` : ''))
    }
    await graphs?.restoreGraphs(log)
  })().catch(async (err: Error) => {
    progress.state = 'failed'
    progress.error = err.message
    progress.ms = Math.round(performance.now() - started)
    log(`refilling the embedded index failed: ${err.message}`)
    // What is indexed is searched through graphs again (rebuilt: they cannot match a partial refill).
    await graphs?.restoreGraphs(log).catch(() => {})
  })
  return { progress, done }
}
