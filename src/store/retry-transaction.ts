import type { Kysely, Transaction } from 'kysely'

/** SQLSTATEs of a transaction Postgres gave up to let another one through: the same work, run again, succeeds. */
const RETRIABLE = new Set(['40P01', '40001'])

/**
 * Runs `fn` in a transaction, again (up to `attempts` times, after a short random pause) when
 * Postgres aborts it as a deadlock victim or a serialization failure. Two bulk imports that upsert
 * and delete overlapping records lock rows in different orders (the upserts in key order, then the
 * deletes): one of them is chosen as the victim, and runs again once the other has committed.
 */
export async function retryTransaction<DB, T> (db: Kysely<DB>, fn: (tx: Transaction<DB>) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn)
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (attempt >= attempts || typeof code !== 'string' || !RETRIABLE.has(code)) throw err
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt))
    }
  }
}
