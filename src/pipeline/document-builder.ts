import type { Embedder } from '../ports/embedder.ts'
import type { IndexDocument } from '../ports/search-index.ts'
import type { Kind } from '../domain/kinds.ts'
import { contentHash, facetTexts, phraseHash, phrasesOf, type Facet } from '../domain/facets.ts'
import type { TextRole } from '../ports/embedder.ts'
import { indexFields } from '../../indexers/document.ts'
import { defaultConcepts } from '../concepts/concepts.ts'
import { SEARCHED_FACETS } from '../../indexers/definitions.ts'
import type { VectorCache } from '../records/vector-cache.ts'

export interface SourceRecord {
  kind: Kind
  id: string
  version: number
  body: Record<string, unknown>
  updatedAt: string
}

export interface BuildStats {
  /** Facet texts whose vectors came from the store. */
  reused: number
  /** Facet texts embedded now. */
  embedded: number
  /** With `embedMissing: false`: records indexed without a vector their kind is searched by. */
  withoutVectors: Array<{ kind: Kind, id: string, version: number }>
}

/**
 * Turns stored records into index documents. Each facet text is looked up by (model, content hash)
 * first; only the texts never seen are embedded, and their vectors stored for next time.
 * Without a model the documents carry no vectors and matching on them is lexical. With
 * `embedMissing: false` nothing is embedded: the documents carry the vectors already stored.
 */
export async function buildDocuments (
  records: readonly SourceRecord[],
  embedder: Embedder,
  cache: VectorCache,
  options: { embedMissing?: boolean } = {}
): Promise<{ docs: IndexDocument[], stats: BuildStats }> {
  const model = embedder.available ? embedder.model : null
  const texts = records.map((r) => facetTexts(r.kind, r.body))
  const concepts = defaultConcepts()
  // Each facet text hashed once (long texts are not memoised by contentHash).
  const keys = texts.map((facets) => Object.fromEntries(Object.entries(facets).map(([facet, t]) => [facet, contentHash(t)])) as Partial<Record<Facet, string>>)
  const vectors = new Map<string, Float32Array>()
  const stats: BuildStats = { reused: 0, embedded: 0, withoutVectors: [] }

  if (model && options.embedMissing === false) {
    // Stored vectors only (refilling an index at start): a text never embedded stays without one
    // here, and the outbox row that is still pending for its record embeds it.
    const searched = records.flatMap((r, i) => Object.entries(keys[i] ?? {}).filter(([facet]) => SEARCHED_FACETS[r.kind].includes(facet as Facet)).map(([, hash]) => hash as string))
    for (const [hash, v] of await cache.getMany(model, searched)) vectors.set(hash, v)
    stats.reused = vectors.size
  } else if (model) {
    // Facet texts (passages) and phrases (symmetric labels) share one lookup and one store.
    const wanted = new Map<string, { text: string, role: TextRole }>()
    // Documents carry the vectors their kind is searched by, so those are read; for the other facets
    // and for phrases (read by re-ranking, from the store) it is enough to know they are stored.
    const carried = new Set<string>()
    records.forEach((r, i) => {
      for (const [facet, t] of Object.entries(texts[i] ?? {})) {
        const hash = keys[i]?.[facet as Facet] as string
        // An Italian text is embedded with the English labels of its concepts (concepts.ts bridgeText).
        wanted.set(hash, { text: concepts.bridgeText(t), role: 'passage' })
        if (SEARCHED_FACETS[r.kind].includes(facet as Facet)) carried.add(hash)
      }
      const p = phrasesOf(r.kind, r.body)
      for (const phrase of [...p.competencies, ...p.needs]) wanted.set(phraseHash(phrase), { text: phrase.trim().toLowerCase(), role: 'phrase' })
    })
    // Hashes another job is looking up or embedding right now are taken from it, not embedded again.
    const claim = cache.claims.claim(model, wanted.keys())
    const fresh = new Map<string, Float32Array>()
    let found = 0
    try {
      const [stored, present] = await Promise.all([
        cache.getMany(model, claim.mine.filter((hash) => carried.has(hash))),
        cache.present(model, claim.mine.filter((hash) => !carried.has(hash)))
      ])
      for (const [hash, v] of stored) vectors.set(hash, v)
      claim.settle(new Map<string, Float32Array | null>([...stored, ...[...present].map((hash): [string, null] => [hash, null])]))
      found = stored.size + present.size
      // Each role's texts go to the embedder in one call: it batches them by token length and runs the
      // batches back to back, so the model never waits while this job (or another) is between two.
      await Promise.all((['passage', 'phrase'] as const).map(async (role) => {
        const missing = claim.mine.filter((hash) => wanted.get(hash)?.role === role && !stored.has(hash) && !present.has(hash))
        const out = await embedder.embed(missing.map((hash) => (wanted.get(hash) as { text: string }).text), role, { background: true })
        missing.forEach((hash, j) => fresh.set(hash, out[j] as Float32Array))
      }))
      await cache.putMany(model, fresh)
      claim.settle(fresh)
    } finally {
      // On failure, the jobs waiting for these hashes fail too, and their retries look them up again.
      claim.release()
    }
    for (const [hash, v] of fresh) vectors.set(hash, v)
    const unread: string[] = []
    for (const [hash, outcome] of claim.theirs) {
      const v = await outcome
      if (v === undefined) throw new Error(`the concurrent lookup of a vector this job needs failed (${model}, ${hash})`)
      if (v) vectors.set(hash, v)
      else if (carried.has(hash)) unread.push(hash)
    }
    for (const [hash, v] of await cache.getMany(model, unread)) vectors.set(hash, v)
    stats.reused = found + claim.theirs.size
    stats.embedded = fresh.size
  }

  const docs = records.map((r, i): IndexDocument => {
    const docVectors: Partial<Record<Facet, Float32Array>> = {}
    const hashes = keys[i] ?? {}
    for (const [facet, hash] of Object.entries(hashes)) {
      const v = vectors.get(hash)
      if (v) docVectors[facet as Facet] = v
    }
    const fields = indexFields(r.kind, r.id, r.version, r.body, r.updatedAt, model)
    fields.facet_hashes = hashes
    if (model && options.embedMissing === false && SEARCHED_FACETS[r.kind].some((f) => hashes[f] !== undefined && !docVectors[f])) {
      stats.withoutVectors.push({ kind: r.kind, id: r.id, version: r.version })
    }
    return { kind: r.kind, id: r.id, version: r.version, fields, vectors: docVectors }
  })
  return { docs, stats }
}
