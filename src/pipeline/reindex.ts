import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'
import type { Embedder } from '../ports/embedder.ts'
import type { SearchIndex } from '../ports/search-index.ts'
import { KINDS, type Kind } from '../domain/kinds.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import { buildDocuments } from './document-builder.ts'

export interface ReindexOptions {
  db: Kysely<Database>
  embedder: Embedder
  cache: VectorCache
  target: SearchIndex
  kinds?: readonly Kind[]
  /** Records read and indexed per round trip. Default 500. */
  pageSize?: number
  /** Bulk requests in flight. Default 2, one per write thread of a 2-core Elasticsearch node. */
  concurrency?: number
  onProgress?: (p: { kind: Kind, done: number, total: number }) => void
  /** Embed texts that have no stored vector (default true); false indexes what is stored only. */
  embedMissing?: boolean
  /** Leave out the records the outbox still carries (their jobs index them): the refill at start. Read with each page. */
  skipPending?: boolean
}

export interface ReindexStats {
  documents: number
  reusedVectors: number
  embeddedVectors: number
  ms: number
  /** With `embedMissing: false`: records indexed without a vector they should carry. */
  withoutVectors: Array<{ kind: Kind, id: string, version: number }>
}

/**
 * Writes every live record into `target`, reading pages in key order. Stored vectors are reused;
 * only unseen texts are embedded.
 */
export async function reindexAll (options: ReindexOptions): Promise<ReindexStats> {
  const started = performance.now()
  const pageSize = options.pageSize ?? 500
  const inFlight = Math.max(1, options.concurrency ?? 2)
  const stats: ReindexStats = { documents: 0, reusedVectors: 0, embeddedVectors: 0, ms: 0, withoutVectors: [] }
  const kinds = options.kinds ?? KINDS
  const totals = new Map<Kind, number>()
  for (const kind of kinds) {
    const totalRow = await options.db.selectFrom('records').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kind', '=', kind).where('deleted', '=', false).executeTakeFirst()
    totals.set(kind, Number(totalRow?.n ?? 0))
  }
  const done = new Map<Kind, number>()
  // One stream of pages across kinds, so the bulks in flight never drain between two kinds. Each
  // page is built before waiting for a free slot: one bulk keeps one of Elasticsearch's write
  // threads busy, and a page built only once a slot is free left a thread idle while it was built.
  const pending: Array<Promise<void>> = []
  // A kind's index is refreshed as soon as its last bulk is in, while the next kind is indexed:
  // a refresh writes the kind's segments (vector graphs included) on one thread, and all of them
  // at the end left the other core idle for seconds.
  const refreshes: Array<Promise<void>> = []
  let kindBulks: Array<Promise<void>> = []
  let current: Kind | null = null
  const refreshWhenIndexed = (kind: Kind, bulks: Array<Promise<void>>) => {
    refreshes.push(Promise.all(bulks).then(() => options.target.refresh([kind])))
    refreshes[refreshes.length - 1]?.catch(() => {})
  }
  for await (const { kind, rows } of pagesOfKinds(options.db, kinds, pageSize, options.skipPending ?? false)) {
    if (current !== kind) {
      if (current) refreshWhenIndexed(current, kindBulks)
      current = kind
      kindBulks = []
    }
    const { docs, stats: s } = await buildDocuments(rows.filter((r) => r.pending !== true).map((r) => ({
      kind, id: r.id, version: Number(r.revision), body: r.body as Record<string, unknown>, updatedAt: new Date(r.updated_at).toISOString()
    })), options.embedder, options.cache, { embedMissing: options.embedMissing ?? true })
    stats.reusedVectors += s.reused
    stats.embeddedVectors += s.embedded
    stats.withoutVectors.push(...s.withoutVectors)
    if (pending.length >= inFlight) await pending.shift()
    pending.push(options.target.bulk(docs.map((doc) => ({ op: 'upsert' as const, doc }))).then((result) => {
      if (result.failed.length > 0) throw new Error(`reindex of ${kind} failed: ${result.failed[0]?.reason}`)
      done.set(kind, (done.get(kind) ?? 0) + rows.length)
      stats.documents += docs.length
      options.onProgress?.({ kind, done: done.get(kind) ?? 0, total: totals.get(kind) ?? 0 })
    }))
    kindBulks.push(pending[pending.length - 1] as Promise<void>)
    // A failed bulk must not be left unobserved while the next page is read.
    pending[pending.length - 1]?.catch(() => {})
  }
  if (current) refreshWhenIndexed(current, kindBulks)
  await Promise.all(pending)
  await Promise.all(refreshes)
  stats.ms = Math.round(performance.now() - started)
  return stats
}

/** The pages of each kind in turn. */
async function * pagesOfKinds (db: Kysely<Database>, kinds: readonly Kind[], pageSize: number, markPending: boolean) {
  for (const kind of kinds) for await (const rows of pages(db, kind, pageSize, markPending)) yield { kind, rows }
}

/**
 * Live records of a kind in key order, a page at a time (keyset pagination: constant cost per page).
 * The next page is read while the caller works on the current one.
 */
async function * pages (db: Kysely<Database>, kind: Kind, pageSize: number, markPending: boolean) {
  const read = (after: string) => db.selectFrom('records').select(['id', 'revision', 'body', 'updated_at'])
    // Whether the outbox still carries the record, read with the page (false when not asked).
    .select((eb) => markPending
      ? eb.exists(eb.selectFrom('outbox').select('seq').whereRef('outbox.record_id', '=', 'records.id').where('outbox.kind', '=', kind).where('outbox.done_at', 'is', null)).as('pending')
      : sql<boolean>`false`.as('pending'))
    .where('kind', '=', kind).where('deleted', '=', false).where('id', '>', after)
    .orderBy('id').limit(pageSize).execute()
  let next = read('')
  for (;;) {
    const rows = await next
    if (rows.length === 0) return
    next = rows.length === pageSize ? read(rows[rows.length - 1]?.id as string) : Promise.resolve([])
    // Observed now, rethrown when awaited: a caller that stops early leaves no unhandled rejection.
    next.catch(() => {})
    yield rows
  }
}
