import type { Kind } from '../domain/kinds.ts'
import type { Facet } from '../domain/facets.ts'

/** Keyword fields a query can filter on (see indexers/definitions.ts). */
export type KeywordField =
  | 'id' | 'visibility' | 'competencies' | 'needs' | 'tags' | 's3_areas' | 'sectors' | 'country' | 'countries_sought'
  | 'region' | 'province' | 'org_kind' | 'size' | 'type' | 'status' | 'organization_id' | 'author_person_id'
  | 'author_organization_id' | 'community_id' | 'programme' | 'participants' | 'concepts' | 'need_concepts'

/**
 * Text fields BM25 runs over. The first four are searched with their English analysis and their
 * Italian `.it` twin; `search_en` and `search_it` hold every text of a record in its own language
 * only (free-text search reads them).
 */
export type TextField = 'title' | 'text' | 'competencies_text' | 'needs_text' | 'search_en' | 'search_it'

/** Fields analysed in one language only: searched as they are, without an `.it` twin. */
export const MONOLINGUAL_FIELDS: ReadonlySet<TextField> = new Set(['search_en', 'search_it'])

export interface Filter {
  /** Every listed field must hold at least one of its values. */
  anyOf?: Partial<Record<KeywordField, readonly string[]>>
  /** No listed field may hold any of its values. */
  noneOf?: Partial<Record<KeywordField, readonly string[]>>
  /** Date ranges (ISO dates); `orMissing` also admits documents without the field. */
  dates?: Partial<Record<'deadline' | 'date' | 'updated_at', { gte?: string, lte?: string, orMissing?: boolean }>>
  /** Boolean flags that must hold (documents without the flag count as false). */
  flags?: Partial<Record<'opt_out', boolean>>
}

export interface LexicalQuery {
  text: string
  /** Fields with their weights (BM25 per field, summed). */
  fields: Partial<Record<TextField, number>>
}

export interface SemanticQuery {
  facet: Facet
  vector: Float32Array
  /** List name; default "knn:<facet>". Needed when two queries search the same facet. */
  name?: string
}

/** One retrieval round: a filtered BM25 list and one kNN list per semantic query. */
export interface RetrievalQuery {
  kind: Kind
  filter: Filter
  lexical?: LexicalQuery
  semantic?: readonly SemanticQuery[]
  /**
   * Documents holding any of these concept ids in `field`, ranked by how many they hold (the list
   * "concepts"): an Italian query finds English records through the concepts they share.
   */
  concepts?: ConceptQuery
  /** Candidates per list. */
  size: number
  /**
   * Lists ranked elsewhere (e.g. from the collaboration graph): the index applies the filter to them,
   * returns them under their names in their order, and adds their documents' fields.
   */
  include?: Record<string, readonly Hit[]>
  /**
   * Return the documents whole. Otherwise the long texts (text, competencies_text, needs_text) and the
   * participant lists are left out: ranking reads neither, and they are most of a document's bytes.
   * Search asks for them (it highlights the texts).
   */
  withTexts?: boolean
}

export interface ConceptQuery { field: 'concepts' | 'need_concepts', ids: readonly string[] }

export interface Hit { id: string, score: number }

/** The fields of a retrieved document (its source without vectors). */
export type DocFields = Record<string, unknown> & { id: string, kind: Kind }

export interface RetrievalResult {
  /** Named ranked lists: "bm25", "knn:competencies", ... */
  lists: Record<string, Hit[]>
  /** Fields of every candidate in any list. */
  docs: Map<string, DocFields>
}

export const listName = (q: SemanticQuery): string => q.name ?? `knn:${q.facet}`

/** Counts of values per keyword field over the documents matching a filter (and the text, when given). */
export interface FacetQuery {
  kind: Kind
  filter: Filter
  lexical?: LexicalQuery
  /** With `lexical`: documents holding any of these concepts count too (a query's concepts, in either language). */
  concepts?: ConceptQuery
  fields: readonly KeywordField[]
  /** Values per field. */
  size: number
}

export type FacetCounts = Partial<Record<KeywordField, Array<{ value: string, count: number }>>>
