import { Kysely, PostgresDialect, sql, type PostgresPool } from 'kysely'
import type { ChannelHandlers, Store } from '../ports/store.ts'
import { probe, type PartHealth } from '../ports/health.ts'

/** How an adapter subscribes to notifications: its own connection (pg) or its only one (PGlite). */
export interface Listener {
  listen (channel: string, handlers: ChannelHandlers): Promise<() => Promise<void>>
  close (): Promise<void>
}

/** A Store over any Postgres-compatible pool; the adapters differ only in the pool and listener they bring. */
export class KyselyStore<DB> implements Store<DB> {
  readonly db: Kysely<DB>
  private closed = false

  constructor (readonly adapter: string, pool: PostgresPool, private readonly where: string, private readonly listener: Listener) {
    this.db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  }

  listen (channel: string, handlers: ChannelHandlers): Promise<() => Promise<void>> {
    if (this.closed) return Promise.reject(new Error('store is closed'))
    return this.listener.listen(channel, handlers)
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
    await this.listener.close()
    await this.db.destroy()
  }
}
