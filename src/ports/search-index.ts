import type { HealthCheck } from './health.ts'
import type { Kind } from '../domain/kinds.ts'
import type { IndexDocument } from '../../indexers/document.ts'
import type { FacetCounts, FacetQuery, RetrievalQuery, RetrievalResult } from './retrieval.ts'

export type { IndexDocument }

/** One change to apply. Versions are the store's: an operation older than what the index holds is ignored. */
export type IndexOperation =
  | { op: 'upsert', doc: IndexDocument }
  | { op: 'delete', kind: Kind, id: string, version: number }

export interface BulkResult {
  /** Operations applied. */
  applied: number
  /** Operations ignored because the index already held a newer version. */
  stale: number
  /** Operations that failed; the caller retries them. */
  failed: Array<{ kind: Kind, id: string, reason: string }>
}

/**
 * The index cannot answer now (unreachable, timed out, overloaded): requests that need it get a
 * 503 with Retry-After rather than a 500, and a client may try again.
 */
export class SearchIndexUnavailableError extends Error {
  readonly statusCode = 503
  readonly code = 'SEARCH_INDEX_UNAVAILABLE'
  /** Seconds a client should wait before trying again. */
  readonly retryAfterS = 5
}

/**
 * The search index: Elasticsearch, or an embedded index in this process.
 * Rebuildable from the store at any time; never the system of record.
 */
export interface SearchIndex extends HealthCheck {
  /** "elasticsearch" or "embedded". */
  readonly adapter: string
  /**
   * True when the index lives in this process's memory and starts empty: whoever opens it fills it
   * from the store (stored vectors, nothing embedded). False for an index that keeps its documents.
   */
  readonly volatile: boolean
  /** Creates the indices and aliases that do not exist yet (idempotent). */
  ensureIndices (): Promise<void>
  /** Applies operations in one round trip where the backend allows it. */
  bulk (operations: readonly IndexOperation[]): Promise<BulkResult>
  /** Documents of a kind (searchable ones: after refresh). */
  count (kind: Kind): Promise<number>
  /** The stored version of a document, or null (tests and status). */
  versionOf (kind: Kind, id: string): Promise<number | null>
  /** Filtered BM25 and kNN candidate lists, with the candidates' fields, in one round trip. */
  retrieve (query: RetrievalQuery): Promise<RetrievalResult>
  /** Several retrievals (e.g. one per kind) in one round trip; results in the order of the queries. */
  retrieveMany (queries: readonly RetrievalQuery[]): Promise<RetrievalResult[]>
  /**
   * Value counts per field over every document that matches the filter and, when given, any term of
   * the text (not just the retrieved top): the numbers a faceted search shows.
   */
  facets (query: FacetQuery): Promise<FacetCounts>
  /** Makes every applied operation visible to search (of the given kinds; default all). */
  refresh (kinds?: readonly Kind[]): Promise<void>
  /** Releases clients and memory. */
  close (): Promise<void>
}
