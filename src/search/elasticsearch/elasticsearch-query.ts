import { MONOLINGUAL_FIELDS, type ConceptQuery, type Filter, type LexicalQuery, type SemanticQuery, type TextField } from '../../ports/retrieval.ts'
import { vectorBase64 } from '../vector-base64.ts'

/** Elasticsearch filter clauses for a Filter (all must hold). */
export function esFilter (filter: Filter): Array<Record<string, unknown>> {
  const clauses: Array<Record<string, unknown>> = []
  for (const [field, values] of Object.entries(filter.anyOf ?? {})) {
    if (values && values.length > 0) clauses.push({ terms: { [field]: values } })
  }
  const mustNot: Array<Record<string, unknown>> = []
  for (const [field, values] of Object.entries(filter.noneOf ?? {})) {
    if (values && values.length > 0) mustNot.push({ terms: { [field]: values } })
  }
  for (const [flag, value] of Object.entries(filter.flags ?? {})) {
    // Documents without the flag count as false.
    if (value) clauses.push({ term: { [flag]: true } })
    else mustNot.push({ term: { [flag]: true } })
  }
  if (mustNot.length > 0) clauses.push({ bool: { must_not: mustNot } })
  for (const [field, r] of Object.entries(filter.dates ?? {})) {
    if (!r) continue
    const range = { range: { [field]: { ...(r.gte ? { gte: r.gte } : {}), ...(r.lte ? { lte: r.lte } : {}) } } }
    clauses.push(r.orMissing ? { bool: { should: [range, { bool: { must_not: { exists: { field } } } }], minimum_should_match: 1 } } : range)
  }
  return clauses
}

/**
 * BM25 over each field, bilingual ones in English and Italian analysis, summed (most_fields); with
 * `concepts`, documents holding one of them match too (facet counts over a query's concepts).
 */
export function esLexical (q: LexicalQuery, filter: Filter, concepts?: ConceptQuery): Record<string, unknown> {
  const should = Object.entries(q.fields).flatMap(([field, boost]) => MONOLINGUAL_FIELDS.has(field as TextField)
    ? [{ match: { [field]: { query: q.text, boost } } }]
    : [
        { match: { [field]: { query: q.text, boost } } },
        { match: { [`${field}.it`]: { query: q.text, boost } } }
      ])
  const byConcept = concepts && concepts.ids.length > 0 ? [{ terms: { [concepts.field]: [...concepts.ids] } }] : []
  return { bool: { filter: esFilter(filter), should: [...should, ...byConcept], minimum_should_match: 1 } }
}

/**
 * The body of a lexical search for its top `size` hits. The filter's exclusions (`noneOf`, flags that
 * must be false) go in `post_filter`, which Elasticsearch applies to the documents as it collects
 * them: the same top hits, but the search keeps skipping the documents that cannot enter them. As
 * exclusions inside the query they stopped that skipping: a recommendation's BM25 search of 200k
 * proposals took 14-61 ms instead of 2-8 (bench/recommendation-searches.ts, bench/README.md).
 * Aggregations do not see `post_filter`: facet counts filter in the query (`esLexical`).
 */
export function esLexicalTop (q: LexicalQuery, filter: Filter): { query: Record<string, unknown>, post_filter?: Record<string, unknown> } {
  const { noneOf, flags, ...kept } = filter
  const excluded: Filter = { ...(noneOf ? { noneOf } : {}), ...(flags ? { flags: Object.fromEntries(Object.entries(flags).filter(([, v]) => !v)) } : {}) }
  const required: Filter = { ...kept, ...(flags ? { flags: Object.fromEntries(Object.entries(flags).filter(([, v]) => v)) } : {}) }
  const exclusions = esFilter(excluded)
  return { query: esLexical(q, required), ...(exclusions.length > 0 ? { post_filter: { bool: { filter: exclusions } } } : {}) }
}

/**
 * Ids a kNN search leaves out after the search rather than in its filter, up to this many: a filter
 * that differs per request (the seeker itself, items already dismissed) cannot be cached, and
 * Elasticsearch then walks every document of the index to build the graph search's filter bits,
 * which made a profile match's kNN search run at 274 req/s instead of 488 at 8 in flight (a
 * side-by-side replay of captured requests, bench/README.md). The search asks
 * for as many more neighbours as it leaves out, so the list stays exact.
 */
export const MAX_POST_FILTERED_IDS = 100

/** The request body of a filtered approximate kNN search on one facet vector, `size` hits. */
export function esKnn (q: SemanticQuery, filter: Filter, size: number): { query: Record<string, unknown>, size: number, post_filter?: Record<string, unknown> } {
  const ids = filter.noneOf?.id ?? []
  const late = ids.length > 0 && ids.length <= MAX_POST_FILTERED_IDS
  const { id: _id, ...others } = filter.noneOf ?? {}
  const k = size + (late ? ids.length : 0)
  // As a query, not the request's top-level `knn`: that one runs a phase of its own first (to merge
  // neighbours across shards), a second search for every kNN list.
  const knn = {
    field: `vec_${q.facet}`,
    // In base64 (vector-base64.ts): 384 decimals were most of a search's JSON, 78 against 16 µs to build.
    query_vector: vectorBase64(q.vector),
    k,
    num_candidates: Math.max(k * 2, 100),
    // The graph is int8-quantised: rescore twice k on the float vectors for exact cosine scores.
    rescore_vector: { oversample: 2 },
    filter: esFilter(late ? { ...filter, noneOf: others } : filter)
  }
  return { query: { knn }, size: k, ...(late ? { post_filter: { bool: { must_not: { terms: { id: ids } } } } } : {}) }
}

/**
 * Documents holding any of the concepts, one point per concept held (constant scores: a concept
 * counts once whatever its frequency), ties by id as the embedded index breaks them.
 */
export function esConcepts (q: ConceptQuery, filter: Filter, size: number): Record<string, unknown> {
  const ids = [...new Set(q.ids)]
  return {
    query: { bool: { filter: esFilter(filter), should: ids.map((id) => ({ constant_score: { filter: { term: { [q.field]: id } }, boost: 1 } })), minimum_should_match: 1 } },
    sort: [{ _score: 'desc' }, { id: 'asc' }],
    track_scores: true,
    size
  }
}
