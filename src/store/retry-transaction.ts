import type { Kysely, Transaction } from 'kysely'
import { StoreUnavailableError, isConnectionLoss } from './store-unavailable.ts'

/** SQLSTATEs of a transaction Postgres gave up to let another one through: the same work, run again, succeeds. */
const RETRIABLE = new Set(['40P01', '40001'])

/**
 * Runs `fn` in a transaction, again (up to `attempts` times in all) when Postgres aborts it as a
 * deadlock victim or a serialization failure, or when its connection is lost.
 *
 * - Deadlocks: two bulk imports that upsert and delete overlapping records lock rows in different
 *   orders (the upserts in key order, then the deletes): one of them is chosen as the victim, and
 *   runs again after a short random pause, once the other has committed.
 * - A lost connection (a restart, a failover, pg_terminate_backend): the pool drops it and the
 *   transaction runs again on a new one, after about 100, 200, 400, 800 ms; when the store is still away
 *   it fails as StoreUnavailableError (a 503 with Retry-After).
 *
 * A connection lost during COMMIT leaves unknown whether the transaction landed, so `fn` must be
 * safe to run twice: every write here carries its version or compares its content, and a replay
 * changes nothing (record-repository.ts).
 */
export async function retryTransaction<DB, T> (db: Kysely<DB>, fn: (tx: Transaction<DB>) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn)
    } catch (err) {
      const lost = isConnectionLoss(err)
      const code = (err as { code?: unknown }).code
      if (!lost && !(typeof code === 'string' && RETRIABLE.has(code))) throw err
      if (attempt >= attempts) throw lost && !(err instanceof StoreUnavailableError) ? new StoreUnavailableError(err) : err
      const pauseMs = lost ? 100 * 2 ** (attempt - 1) * (0.75 + Math.random() / 2) : Math.random() * 20 * attempt
      await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  }
}
