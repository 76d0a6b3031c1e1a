import type { HealthCheck } from './health.ts'

/**
 * The search index: Elasticsearch, or an embedded index in this process.
 * Rebuildable from the store at any time; never the system of record.
 */
export interface SearchIndex extends HealthCheck {
  /** "elasticsearch" or "embedded". */
  readonly adapter: string
  /** Releases clients and memory. */
  close (): Promise<void>
}
