import pg from 'pg'
import type { ChannelHandlers } from '../ports/store.ts'

export interface PgListenerOptions {
  connectionString: string
  /** First wait before reconnecting a lost connection, doubled up to `maxRetryMs`. Default 100. */
  retryMs?: number
  /** Default 5000. */
  maxRetryMs?: number
}

/**
 * LISTEN on a Postgres server through one dedicated connection (a pooled one would be handed to
 * other queries). A lost connection is re-opened with backoff; every channel then hears `onGap`,
 * since notifications sent while it was away are gone.
 */
export class PgListener {
  private client: pg.Client | null = null
  private connecting: Promise<pg.Client> | null = null
  private readonly channels = new Map<string, Set<ChannelHandlers>>()
  private closed = false

  constructor (private readonly options: PgListenerOptions) {}

  async listen (channel: string, handlers: ChannelHandlers): Promise<() => Promise<void>> {
    let set = this.channels.get(channel)
    const first = !set
    if (!set) this.channels.set(channel, set = new Set())
    set.add(handlers)
    const client = await this.connection()
    if (first) await client.query(`listen ${quoteIdent(channel)}`)
    return async () => {
      set.delete(handlers)
      if (set.size > 0 || this.channels.get(channel) !== set) return
      this.channels.delete(channel)
      await this.client?.query(`unlisten ${quoteIdent(channel)}`).catch(() => {})
    }
  }

  async close (): Promise<void> {
    this.closed = true
    const client = this.client
    this.client = null
    await client?.end().catch(() => {})
  }

  private connection (): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client)
    this.connecting ??= this.open().finally(() => { this.connecting = null })
    return this.connecting
  }

  private async open (): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.options.connectionString })
    client.on('notification', (msg) => {
      for (const h of this.channels.get(msg.channel) ?? []) h.onMessage(msg.payload ?? '')
    })
    // 'error' and 'end' both mean the connection is gone; reconnect once for either.
    let lost = false
    const onLost = () => {
      if (lost) return
      lost = true
      if (this.client === client) this.client = null
      if (!this.closed) this.reconnect(this.options.retryMs ?? 100).catch(() => {})
    }
    client.on('error', onLost)
    client.on('end', onLost)
    await client.connect()
    this.client = client
    return client
  }

  private async reconnect (waitMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, waitMs).unref())
    if (this.closed || this.channels.size === 0) return
    try {
      const client = await this.connection()
      for (const channel of this.channels.keys()) await client.query(`listen ${quoteIdent(channel)}`)
    } catch {
      this.client?.end().catch(() => {})
      this.client = null
      return this.reconnect(Math.min(waitMs * 2, this.options.maxRetryMs ?? 5000))
    }
    for (const set of this.channels.values()) for (const h of set) h.onGap()
  }
}

/** LISTEN takes an identifier, not a parameter. */
export function quoteIdent (name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
