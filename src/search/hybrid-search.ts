import type { SearchIndex } from '../ports/search-index.ts'
import type { Embedder } from '../ports/embedder.ts'
import { EmbedderUnavailableError } from '../ports/embedder.ts'
import type { DocFields, FacetCounts, Filter, Hit, RetrievalQuery } from '../ports/retrieval.ts'
import type { RecordRepository } from '../records/record-repository.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import { isKind, type Kind } from '../domain/kinds.ts'
import { contentHash, facetTexts } from '../domain/facets.ts'
import { InvalidRequestError, recordNotFound } from '../errors.ts'
import { weightedScoreFusion } from './fusion.ts'
import { highlight } from './highlight.ts'
import { phraseHitsFirst, quotedPhrases } from './exact-phrase.ts'
import type { SearchHit, SearchQuery } from './search-schemas.ts'
import { defaultConcepts, type Concepts } from '../concepts/concepts.ts'
import type { NoticeCode } from '../notices.ts'

/** The document fields a quoted phrase is looked for in. */
const PHRASE_FIELDS = ['title', 'text', 'competencies_text', 'needs_text'] as const
/** The document fields a hit's highlights come from. */
const HIGHLIGHTED = ['title', 'text', 'competencies_text'] as const
/**
 * Hits retrieved per kind and list, whatever page is asked for: every page of a query is cut from
 * the same fused ranking, so following nextCursor neither repeats nor skips a record (as partner
 * match, recommendations and candidates rank one pool per request). The most one page may hold.
 */
export const SEARCH_DEPTH = 100
const textOf = (v: unknown): string => typeof v === 'string' ? v : Array.isArray(v) ? v.map(String).join(' \n ') : ''

export interface SearchAnswer {
  /** The hits of the page asked for. */
  hits: SearchHit[]
  /** Hits ranked in all (the page is cut from them). */
  total: number
  facets: Record<string, Array<{ value: string, count: number, label?: string }>>
  semanticMatching: boolean
  /** What the caller should be told (the route words it in the caller's language: notices.ts). */
  noticeCode?: NoticeCode
}

/**
 * Hybrid search: per kind, a filtered BM25 list and a kNN list over the profile vectors, fused by
 * weighted z-scores; quoted phrases first; facets summed over the kinds; highlights. A query text is
 * embedded once; more-like-this reads the stored record's vector (no model call).
 */
export class HybridSearch {
  constructor (
    private readonly index: SearchIndex,
    private readonly embedder: Embedder,
    private readonly records: RecordRepository,
    private readonly cache: VectorCache,
    private readonly concepts: Concepts = defaultConcepts()
  ) {}

  async search (query: SearchQuery, page: { offset: number, size: number }): Promise<SearchAnswer> {
    if (!query.q && !query.moreLikeThis) throw new InvalidRequestError('querystring needs q or moreLikeThis')
    const { offset, size } = page
    const kinds = (query.kinds ?? ['organizations', 'proposals']) as Kind[]
    const model = this.embedder.available ? this.embedder.model : null

    let text = query.q
    let vector: Float32Array | undefined
    let noticeCode: NoticeCode | undefined
    const exclude: Array<[Kind, string]> = []
    if (query.moreLikeThis) {
      const at = query.moreLikeThis.indexOf(':')
      const kind = query.moreLikeThis.slice(0, at)
      const id = query.moreLikeThis.slice(at + 1)
      if (!isKind(kind)) throw new InvalidRequestError('querystring.moreLikeThis has an unknown kind')
      const record = await this.records.get(kind, id)
      if (!record) throw recordNotFound(kind, id, 'querystring.moreLikeThis: ')
      const profile = facetTexts(kind, record.body).profile
      // A stored record's vector is already in the store: no model call.
      if (profile && model) vector = (await this.cache.getMany(model, [contentHash(profile)])).get(contentHash(profile))
      text = [query.q, profile].filter(Boolean).join('. ')
      exclude.push([kind, id])
    } else if (text && this.embedder.available) {
      try {
        // An Italian query carries the English labels of its concepts, as stored Italian texts do.
        ;[vector] = await this.embedder.embed([this.concepts.bridgeText(text)], 'query')
      } catch (err) {
        // Loaded but not answering (past its deadline): search on the words, and say so.
        // The cause (a deadline, a process restarting) is no business of the caller's: the notice says words only.
        if (!(err instanceof EmbedderUnavailableError)) throw err
        noticeCode = 'MODEL_UNAVAILABLE'
      }
    }

    // One pool for every page (SEARCH_DEPTH): a depth that grew with the offset re-ranked each page
    // over another pool (the z-scores of fusion are pool-relative), so pages overlapped and left gaps.
    const depth = SEARCH_DEPTH
    // The concepts the query names (src/concepts/): records holding them are found in either language.
    const conceptIds = query.q ? this.concepts.idsOf([query.q]) : []
    const perKind = await Promise.all(kinds.map(async (kind) => {
      // Proposals a user can still answer, unless the request asks for the others.
      const status = query.status ?? (kind === 'proposals' ? ['open'] : [])
      const filter: Filter = {
        anyOf: { country: query.country ?? [], region: query.region ?? [], s3_areas: query.s3Area ?? [], org_kind: query.orgKind ?? [], type: query.type ?? [], status },
        noneOf: { visibility: ['private'], id: exclude.filter(([k]) => k === kind).map(([, id]) => id) },
        ...(kind === 'people' ? { flags: { opt_out: false } } : {}),
        ...(kind === 'proposals' && !query.includeExpired ? { dates: { deadline: { gte: new Date().toISOString().slice(0, 10), orMissing: true } } } : {})
      }
      // Every text of a record as one field in its own language, the query in both (indexers/document.ts).
      const lexical = text ? { text, fields: { search_en: 1, search_it: 1 } } : undefined
      const retrieval: RetrievalQuery = {
        kind,
        filter,
        ...(lexical ? { lexical } : {}),
        semantic: vector ? [{ facet: 'profile', vector }] : [],
        ...(conceptIds.length > 0 ? { concepts: { field: 'concepts', ids: conceptIds } } : {}),
        size: depth,
        withTexts: true
      }
      const [found, facets] = await Promise.all([
        this.index.retrieve(retrieval),
        query.facets && query.facets.length > 0
          ? this.index.facets({ kind, filter, ...(query.q ? { lexical: { text: query.q, fields: lexical?.fields ?? {} } } : {}), ...(conceptIds.length > 0 ? { concepts: { field: 'concepts', ids: conceptIds } } : {}), fields: query.facets, size: 20 })
          : Promise.resolve({} as FacetCounts)
      ])
      // Weighted z-score fusion, BM25 0.45 : kNN 0.55: the best held-out setting on SciFact
      // (bench/results/scifact-eval.json: 0.752 nDCG@10 with bge-small, against 0.743 for RRF k=60).
      const named = [['bm25', found.lists.bm25], ['knn', found.lists['knn:profile']]] as const
      const present = named.filter(([, l]) => l !== undefined) as Array<[string, NonNullable<typeof found.lists.bm25>]>
      const lists = present.map(([, l]) => l)
      // A BM25 list shorter than the depth asked for is complete: its rare-term hits stand out.
      const depths = present.map(([name]) => name === 'bm25' ? depth : undefined)
      let fused: Hit[] = weightedScoreFusion(lists, { weights: lists.length === 2 ? [0.45, 0.55] : [1], normalisation: 'z-score', depths })
      // Records holding the query's concepts (in any language) join the ranking: each found only by
      // its concepts enters at the fused score of the best record it shares them with, less a step per rank.
      const byConcept = found.lists.concepts ?? []
      if (byConcept.length > 0) fused = withConceptHits(fused, byConcept)
      const evidence = (found.lists.bm25?.length ?? 0) + byConcept.length
      return { kind, fused, docs: found.docs, facets, evidence }
    }))

    // No word and no concept in common anywhere: neighbours by vector alone are no match (an English
    // model puts any text, nonsense included, near everything): nothing, and say so.
    if (query.q && !query.moreLikeThis && perKind.every((k) => k.evidence === 0)) {
      return { hits: [], total: 0, facets: {}, semanticMatching: vector !== undefined, noticeCode: 'NO_CLOSE_MATCH' }
    }
    const fusedOrder = perKind.flatMap((k) => k.fused.map((f) => ({ kind: k.kind, id: f.id, score: f.score, doc: k.docs.get(f.id) as DocFields })))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    // Quoted phrases: the records holding them verbatim come first (exact-phrase.ts).
    const merged = phraseHitsFirst(fusedOrder, query.q ? quotedPhrases(query.q) : [], (r) => PHRASE_FIELDS.map((f) => textOf(r.doc[f])).join(' \n '))
    const facets: Record<string, Array<{ value: string, count: number, label?: string }>> = {}
    for (const field of query.facets ?? []) {
      const sum = new Map<string, number>()
      for (const k of perKind) for (const b of k.facets[field] ?? []) sum.set(b.value, (sum.get(b.value) ?? 0) + b.count)
      const counted = [...sum].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      // Concept facets are ids: each with its label in the caller's language (src/concepts/).
      facets[field] = field === 'concepts'
        ? counted.map(([value, count]) => ({ value, count, label: this.concepts.termbase.label(value, query.lang ?? 'it') }))
        : counted.map(([value, count]) => ({ value, count }))
    }
    return {
      hits: merged.slice(offset, offset + size).map((r) => ({
        kind: r.kind,
        id: r.id,
        // The fused z-score through a logistic: within (0, 1), 0.5 = as good as the average candidate of its lists.
        score: Math.round(100_000 / (1 + Math.exp(-r.score))) / 100_000,
        title: String(r.doc.title ?? r.id),
        highlights: query.q ? highlightsOf(r.doc, query.q) : {},
        fields: Object.fromEntries(Object.entries(r.doc).filter(([k]) => k !== 'facet_hashes'))
      })),
      total: merged.length,
      facets,
      semanticMatching: vector !== undefined,
      ...(noticeCode ? { noticeCode } : {})
    }
  }
}

/**
 * Fused hits with the concept list's hits: a record already fused gains a bonus of 1 (a z-score unit)
 * per rank-weighted share of concepts; one found only by its concepts enters with that bonus alone.
 */
function withConceptHits (fused: readonly Hit[], byConcept: readonly Hit[]): Hit[] {
  const best = byConcept[0]?.score ?? 1
  const bonus = new Map(byConcept.map((h) => [h.id, h.score / best]))
  const out = fused.map((h) => ({ id: h.id, score: h.score + (bonus.get(h.id) ?? 0) }))
  const seen = new Set(fused.map((h) => h.id))
  for (const h of byConcept) if (!seen.has(h.id)) out.push({ id: h.id, score: (bonus.get(h.id) ?? 0) })
  return out.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
}

function highlightsOf (doc: DocFields, q: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of HIGHLIGHTED) {
    const v = doc[f]
    const h = typeof v === 'string' ? highlight(v, q) : null
    if (h) out[f] = h
  }
  return out
}
