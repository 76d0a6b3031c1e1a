import type { Kind } from '../src/domain/kinds.ts'
import type { Facet } from '../src/domain/facets.ts'

/** Bump when a mapping changes: `reindex` then builds `<alias>-v<N>` and swaps the alias. */
export const MAPPING_VERSION = 3
export const FACETS: readonly Facet[] = ['profile', 'competencies', 'needs']

/** Text analysed both ways: English on the field, Italian on `.it`; queries search both. */
const bilingual = { type: 'text', analyzer: 'english', fields: { it: { type: 'text', analyzer: 'italian' } } } as const
const keyword = { type: 'keyword' } as const

/** One mapping serves every kind; a kind leaves the fields it lacks empty. */
export function mapping (dims: number) {
  // int8-quantised HNSW: a quarter of the memory and faster graph building and search; queries
  // rescore the top candidates on the float vectors (elasticsearch-query.ts), so scores stay exact.
  // Building the graph is most of an index's write cost; 64 candidates per insertion instead of 100
  // builds it about a fifth faster, with recall@20 still 1.000 against an exact scan (bench/reindex.ts).
  const vector = { type: 'dense_vector', dims, similarity: 'cosine', index: true, index_options: { type: 'int8_hnsw', m: 16, ef_construction: 64 } } as const
  return {
    dynamic: 'strict',
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
      competencies: keyword,
      needs: keyword,
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
      // Keys of the facet vectors in the store's vector table: re-ranking reads them from there.
      facet_hashes: { type: 'object', enabled: false },
      ...Object.fromEntries(FACETS.map((f) => [`vec_${f}`, vector]))
    }
  } as const
}

export const INDEX_SETTINGS = { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '1s' } as const

/** The alias a kind is searched through, and the concrete index behind it for a mapping version. */
export function aliasName (prefix: string, kind: Kind): string {
  return `${prefix}${kind}`
}

export function indexName (prefix: string, kind: Kind, version: number | string = MAPPING_VERSION): string {
  return `${aliasName(prefix, kind)}-v${version}`
}
