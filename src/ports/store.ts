import type { Kysely } from 'kysely'
import type { HealthCheck } from './health.ts'

/**
 * The system of record: Postgres through Kysely, either a server (pg) or in-process (PGlite).
 * Both adapters run the same queries and migrations; callers never know which one they have.
 */
export interface Store<DB = unknown> extends HealthCheck {
  /** "postgres" or "pglite". */
  readonly adapter: string
  /** The query builder. Transactions: `store.db.transaction().execute(fn)`. */
  readonly db: Kysely<DB>
  /** Releases every connection; the store is unusable afterwards. */
  close (): Promise<void>
}
