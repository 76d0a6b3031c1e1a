import { Kysely, PostgresDialect, sql, type PostgresPool } from 'kysely'
import type { Store } from '../ports/store.ts'
import { probe, type PartHealth } from '../ports/health.ts'

/** A Store over any Postgres-compatible pool; the adapters differ only in the pool they bring. */
export class KyselyStore<DB> implements Store<DB> {
  readonly db: Kysely<DB>
  private closed = false

  constructor (readonly adapter: string, pool: PostgresPool, private readonly where: string) {
    this.db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  }

  health (): Promise<PartHealth> {
    return probe('store', this.adapter, async () => {
      await sql`select 1`.execute(this.db)
      return this.where
    })
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.db.destroy()
  }
}
