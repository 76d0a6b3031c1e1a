import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'
import type { Kind } from '../domain/kinds.ts'
import { contentHash, facetTexts, phraseHash, phrasesOf } from '../domain/facets.ts'
import type { VectorCache } from './vector-cache.ts'

/**
 * Kinds in the order their vectors are preloaded, most requested first: partner matching ranks
 * organisations, a person's recommendations (every visit) rank proposals, communities and content,
 * and a proposal's candidates (once per proposal) rank people too. When the budget runs out before
 * the last kinds, it is the rarest path that meets the store. Projects are never ranked by vector.
 */
export const WARM_ORDER: readonly Kind[] = ['organizations', 'proposals', 'communities', 'content', 'people']

export interface WarmupOptions {
  /** Stop once this share of the memory budget is in use, leaving room for what requests bring in. Default 0.9. */
  fill?: number
  /** Records read per page. Default 1000. */
  pageSize?: number
  signal?: AbortSignal
}

export interface WarmupResult { vectors: number, records: number, ms: number, complete: boolean }

/**
 * Fills the vector cache from the store before requests ask: the facet and phrase vectors of live
 * records, kind by kind in `WARM_ORDER`, until the budget's `fill` share is used. Without it the first
 * requests to meet each candidate read its vectors from the store (a round trip of 8 ms at p50 and
 * 40 ms at p99 for a cold partner match on 100k organisations). `complete` is false when it stopped
 * early (budget reached or aborted).
 */
export async function warmVectorCache (db: Kysely<Database>, cache: VectorCache, model: string, options: WarmupOptions = {}): Promise<WarmupResult> {
  const started = performance.now()
  const fill = options.fill ?? 0.9
  const pageSize = options.pageSize ?? 1000
  let vectors = 0
  let records = 0
  const result = (complete: boolean): WarmupResult => ({ vectors, records, ms: Math.round(performance.now() - started), complete })
  for (const kind of WARM_ORDER) {
    let after: string | null = null
    for (;;) {
      if (options.signal?.aborted || cache.fill() >= fill) return result(false)
      let q = db.selectFrom('records').select(['id', 'body']).where('kind', '=', kind).where('deleted', '=', false)
      if (after !== null) q = q.where('id', '>', after)
      const rows = await q.orderBy('id').limit(pageSize).execute()
      if (rows.length === 0) break
      const hashes: string[] = []
      for (const row of rows) {
        const body = row.body as Record<string, unknown>
        for (const text of Object.values(facetTexts(kind, body))) hashes.push(contentHash(text))
        const p = phrasesOf(kind, body)
        for (const phrase of [...p.competencies, ...p.needs]) hashes.push(phraseHash(phrase))
      }
      vectors += await cache.preload(model, hashes)
      records += rows.length
      after = (rows[rows.length - 1] as { id: string }).id
      // Requests go first: one page at a time, between their turns.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return result(true)
}

/**
 * Resolves once the writes accepted before the call are indexed (or have failed and wait for a
 * retry), polling the outbox every `everyMs`. Indexing is what computes a record's vectors: a
 * warm-up that starts while an import is being indexed finds none to read (a first demo start
 * "warmed 0 vectors of 3,402 records" while the cache later held 8,449). Later writes are not waited
 * for, so steady traffic cannot hold the warm-up back. Resolves at once when aborted.
 */
export async function untilIndexed (db: Kysely<Database>, options: { everyMs?: number, signal?: AbortSignal } = {}): Promise<void> {
  const everyMs = options.everyMs ?? 2000
  const last = await db.selectFrom('outbox').select((eb) => eb.fn.max('seq').as('seq')).where('done_at', 'is', null).executeTakeFirst()
  if (last?.seq === null || last?.seq === undefined) return
  while (!options.signal?.aborted) {
    const waiting = await db.selectFrom('outbox').select('seq').where('done_at', 'is', null).where('last_error', 'is', null)
      .where('seq', '<=', last.seq).limit(1).executeTakeFirst()
    if (!waiting) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, everyMs)
      options.signal?.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
    })
  }
}
