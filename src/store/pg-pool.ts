import pg from 'pg'
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import { asStoreError, isConnectionLoss } from './store-unavailable.ts'

export interface PgPoolOptions {
  connectionString: string
  /** Max connections. Default 10. */
  max?: number
}

/**
 * A pg pool for Kysely that survives its connections being dropped by the server (a restart, a
 * failover, pg_terminate_backend), whether they are idle or checked out:
 *
 * - Every client the pool creates has an 'error' listener for its whole life. pg-pool listens on
 *   an idle client only, and removes its listener while the client is checked out (a transaction,
 *   a query): a connection lost then emitted 'error' with no listener, an uncaught exception that
 *   stopped the process. The query running on it fails on its own; pg-pool discards a client that
 *   is no longer queryable when it comes back.
 * - A query or a connect that fails because the connection is gone rejects with
 *   StoreUnavailableError (a 503 with Retry-After), and `retryTransaction` runs the transaction
 *   again on a fresh connection. Every other error is passed on unchanged.
 */
export function createPgPool (options: PgPoolOptions): PostgresPool {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 })
  // Nothing to do on either: the pool drops the client, and a query that was using it fails (and
  // says so) on its own.
  const ignore = () => {}
  pool.on('error', ignore)
  pool.on('connect', (client) => { client.on('error', ignore) })
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let w = wrapped.get(client)
    if (!w) {
      // Once a query on it has failed for a lost connection, the client goes when released: the
      // server's "terminating connection" can arrive before the socket closes, and pg-pool would
      // take the client back as idle and hand it to the next query, which would fail too.
      let broken = false
      w = {
        query: ((...args: [string, unknown[]]) => {
          const result = client.query(...args) as unknown
          // A cursor (streaming) is returned as it is; a query's promise has its failure translated.
          if (!(result instanceof Promise)) return result
          return result.catch((err: unknown) => {
            if (isConnectionLoss(err)) broken = true
            throw asStoreError(err)
          })
        }) as PostgresPoolClient['query'],
        // pg-pool gives the client a new `release` at each checkout: look it up at call time.
        release: (destroy?: boolean) => client.release(destroy === true || broken)
      }
      wrapped.set(client, w)
    }
    return w
  }
  return {
    connect: async () => {
      try {
        return wrap(await pool.connect())
      } catch (err) {
        throw asStoreError(err)
      }
    },
    end: () => pool.end()
  }
}
