import type { Kind } from '../src/domain/kinds.ts'
import type { Facet } from '../src/domain/facets.ts'

/** Bump when a mapping changes: `reindex` then builds `<alias>-v<N>` and swaps the alias. */
export const MAPPING_VERSION = 7
export const FACETS: readonly Facet[] = ['profile', 'competencies', 'needs']

/**
 * The facet vectors each kind is searched by (kNN). Only these go into the index: building the
 * vector graph is most of an index's write cost, and re-ranking reads every facet vector from the
 * store anyway. A proposal's offers are never searched by vector (partners and candidates are
 * found by what a proposal seeks).
 */
export const SEARCHED_FACETS: Readonly<Record<Kind, readonly Facet[]>> = {
  organizations: FACETS,
  people: FACETS,
  proposals: ['profile', 'needs'],
  projects: ['profile'],
  communities: ['profile'],
  content: ['profile']
}

/**
 * What ranking reads of a retrieved document (with its facet hashes), kept as one binary doc value,
 * `ranking`, and returned from it rather than from the stored source or one doc value per field:
 * loading and decompressing stored documents was a third of a retrieval's time, and fetching these
 * fields as 25 doc values took half of a profile match's Elasticsearch time (bench/match-latency.ts).
 */
export const RANKING_FIELDS = {
  single: ['id', 'kind', 'title', 'org_kind', 'country', 'region', 'organization_id', 'status', 'type', 'updated_at', 'deadline', 'date'],
  multi: ['competencies', 'needs', 'tags', 's3_areas', 'sectors']
} as const

/** Text analysed both ways: English on the field, Italian on `.it`; queries search both. */
const bilingual = { type: 'text', analyzer: 'english', fields: { it: { type: 'text', analyzer: 'italian' } } } as const
const keyword = { type: 'keyword' } as const

/** One mapping shape serves every kind (a kind leaves the fields it lacks empty); vectors differ per kind. */
export function mapping (dims: number, kind: Kind) {
  // int8-quantised HNSW: a quarter of the memory and faster graph building and search; queries
  // rescore the top candidates on the float vectors (elasticsearch-query.ts), so scores stay exact.
  // Building the graph is most of an index's write cost; 64 candidates per insertion instead of 100
  // builds it about a fifth faster, with recall@20 still 1.000 against an exact scan (bench/reindex.ts).
  const vector = { type: 'dense_vector', dims, similarity: 'cosine', index: true, index_options: { type: 'int8_hnsw', m: 16, ef_construction: 64 } } as const
  return {
    dynamic: 'strict',
    // Free-text search's own copies of the texts are indexed, not stored.
    _source: { excludes: ['search_en', 'search_it'] },
    properties: {
      kind: keyword,
      id: keyword,
      version: { type: 'long' },
      visibility: keyword,
      updated_at: { type: 'date' },
      title: bilingual,
      text: bilingual,
      competencies_text: bilingual,
      needs_text: bilingual,
      // Every text of a record as one field, in its language only (indexers/document.ts).
      search_en: { type: 'text', analyzer: 'english' },
      search_it: { type: 'text', analyzer: 'italian' },
      lang: keyword,
      competencies: keyword,
      needs: keyword,
      // Concept ids of the termbase (src/concepts/) its phrases name: what it has, what it seeks.
      concepts: keyword,
      need_concepts: keyword,
      tags: keyword,
      s3_areas: keyword,
      sectors: keyword,
      country: keyword,
      countries_sought: keyword,
      region: keyword,
      province: keyword,
      org_kind: keyword,
      size: keyword,
      type: keyword,
      status: keyword,
      deadline: { type: 'date' },
      date: { type: 'date' },
      organization_id: keyword,
      author_person_id: keyword,
      author_organization_id: keyword,
      community_id: keyword,
      programme: keyword,
      participants: keyword,
      opt_out: { type: 'boolean' },
      model: keyword,
      // RANKING_FIELDS and the facet hashes (keys of the facet vectors in the store's vector table:
      // re-ranking reads them from there) as JSON, one doc value per document.
      ranking: { type: 'binary', doc_values: true },
      ...Object.fromEntries(SEARCHED_FACETS[kind].map((f) => [`vec_${f}`, vector]))
    }
  } as const
}

/** One shard; a replica as soon as the cluster has a second data node (none on a single node, which stays green). */
export const INDEX_SETTINGS = { number_of_shards: 1, auto_expand_replicas: '0-1', refresh_interval: '1s' } as const

/** The alias a kind is searched through, and the concrete index behind it for a mapping version. */
export function aliasName (prefix: string, kind: Kind): string {
  return `${prefix}${kind}`
}

export function indexName (prefix: string, kind: Kind, version: number | string = MAPPING_VERSION): string {
  return `${aliasName(prefix, kind)}-v${version}`
}
