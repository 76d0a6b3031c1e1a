import type { Kysely } from 'kysely'
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
  onProgress?: (p: { kind: Kind, done: number, total: number }) => void
}

export interface ReindexStats { documents: number, reusedVectors: number, embeddedVectors: number, ms: number }

/**
 * Writes every live record into `target`, reading pages in key order (keyset pagination: constant
 * cost per page however large the table). Stored vectors are reused; only unseen texts are embedded.
 */
export async function reindexAll (options: ReindexOptions): Promise<ReindexStats> {
  const started = performance.now()
  const pageSize = options.pageSize ?? 500
  const stats: ReindexStats = { documents: 0, reusedVectors: 0, embeddedVectors: 0, ms: 0 }
  for (const kind of options.kinds ?? KINDS) {
    const totalRow = await options.db.selectFrom('records').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kind', '=', kind).where('deleted', '=', false).executeTakeFirst()
    const total = Number(totalRow?.n ?? 0)
    let after = ''
    let done = 0
    for (;;) {
      const rows = await options.db.selectFrom('records').select(['id', 'version', 'body', 'updated_at'])
        .where('kind', '=', kind).where('deleted', '=', false).where('id', '>', after)
        .orderBy('id').limit(pageSize).execute()
      if (rows.length === 0) break
      after = rows[rows.length - 1]?.id as string
      const { docs, stats: s } = await buildDocuments(rows.map((r) => ({
        kind, id: r.id, version: Number(r.version), body: r.body as Record<string, unknown>, updatedAt: new Date(r.updated_at).toISOString()
      })), options.embedder, options.cache)
      const result = await options.target.bulk(docs.map((doc) => ({ op: 'upsert' as const, doc })))
      if (result.failed.length > 0) throw new Error(`reindex of ${kind} failed: ${result.failed[0]?.reason}`)
      stats.reusedVectors += s.reused
      stats.embeddedVectors += s.embedded
      done += rows.length
      stats.documents += rows.length
      options.onProgress?.({ kind, done, total })
    }
  }
  await options.target.refresh()
  stats.ms = Math.round(performance.now() - started)
  return stats
}
