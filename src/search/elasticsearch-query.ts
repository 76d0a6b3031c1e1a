import type { Filter, LexicalQuery, SemanticQuery } from './retrieval.ts'

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

/** BM25 over each field in English and Italian analysis, summed (most_fields). */
export function esLexical (q: LexicalQuery, filter: Filter): Record<string, unknown> {
  const should = Object.entries(q.fields).flatMap(([field, boost]) => [
    { match: { [field]: { query: q.text, boost } } },
    { match: { [`${field}.it`]: { query: q.text, boost } } }
  ])
  return { bool: { filter: esFilter(filter), should, minimum_should_match: 1 } }
}

/** A filtered approximate kNN search on one facet vector. */
export function esKnn (q: SemanticQuery, filter: Filter, size: number): Record<string, unknown> {
  return {
    field: `vec_${q.facet}`,
    query_vector: Array.from(q.vector),
    k: size,
    num_candidates: Math.max(size * 2, 100),
    // The graph is int8-quantised: rescore twice k on the float vectors for exact cosine scores.
    rescore_vector: { oversample: 2 },
    filter: esFilter(filter)
  }
}
