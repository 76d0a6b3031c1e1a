import type { Kysely } from 'kysely'
import type { HealthCheck } from './health.ts'

/** Handlers of one notification channel (see `Store.listen`). */
export interface ChannelHandlers {
  /** A payload sent with `pg_notify(channel, payload)`, delivered once its transaction committed. */
  onMessage (payload: string): void
  /**
   * Notifications may have been missed (the listening connection was lost and is back): whoever
   * derives state from them reads it again from the tables.
   */
  onGap (): void
}

/**
 * The system of record: Postgres through Kysely, either a server (pg) or in-process (PGlite).
 * Both adapters run the same queries and migrations; callers never know which one they have.
 */
export interface Store<DB = unknown> extends HealthCheck {
  /** "postgres" or "pglite". */
  readonly adapter: string
  /** The query builder. Transactions: `store.db.transaction().execute(fn)`. */
  readonly db: Kysely<DB>
  /**
   * Subscribes to a LISTEN/NOTIFY channel. Resolves once listening (a notification committed after
   * that is delivered); the returned function unsubscribes.
   */
  listen (channel: string, handlers: ChannelHandlers): Promise<() => Promise<void>>
  /** Releases every connection; the store is unusable afterwards. */
  close (): Promise<void>
}
