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
  private reconnecting = false

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
    // 'error' and 'end' both mean the connection is gone; only the connection in use is reconnected,
    // once. A connect that fails also ends its client: that failure is the caller's to retry, and
    // reconnecting here as well started one more reconnect loop per failed attempt while the server
    // was away (each reporting a gap when it came back). The 'error' listener stays for the
    // client's whole life: an 'error' with none is an uncaught exception.
    client.on('error', () => this.lost(client))
    client.on('end', () => this.lost(client))
    await client.connect()
    this.client = client
    return client
  }

  private lost (client: pg.Client): void {
    if (this.client !== client) return
    this.client = null
    this.reconnect()
  }

  /** Re-opens the connection with backoff, one loop at a time, and reports the gap once it listens again. */
  private reconnect (): void {
    if (this.reconnecting || this.closed) return
    this.reconnecting = true
    const loop = async (): Promise<void> => {
      for (let waitMs = this.options.retryMs ?? 100; ; waitMs = Math.min(waitMs * 2, this.options.maxRetryMs ?? 5000)) {
        await new Promise((resolve) => setTimeout(resolve, waitMs).unref())
        if (this.closed || this.channels.size === 0) break
        try {
          const client = await this.connection()
          for (const channel of this.channels.keys()) await client.query(`listen ${quoteIdent(channel)}`)
        } catch {
          // Forgotten before it ends: its 'end' is this loop's to handle, not a second loop's.
          const client = this.client
          this.client = null
          client?.end().catch(() => {})
          continue
        }
        this.reconnecting = false
        for (const set of this.channels.values()) for (const h of set) h.onGap()
        return
      }
      this.reconnecting = false
    }
    loop().catch(() => { this.reconnecting = false })
  }
}

/** LISTEN takes an identifier, not a parameter. */
export function quoteIdent (name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
