import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'

export interface IndexProgressOptions {
  /** How often the pending writes are counted and a line is logged while they are. */
  intervalMs?: number
  log: (line: string) => void
}

/**
 * Says how indexing is going while writes wait in the outbox: "indexing: 1,200 of 4,000 writes
 * indexed, 35 a second, about 2 min left", every `intervalMs`, and one line when it has caught up.
 * A first start that loads the demo data indexes for minutes; a person at the terminal sees it move.
 */
export class IndexProgress {
  private timer: NodeJS.Timeout | null = null
  /** The run being reported: when it began (the store's clock for rows, `now` for the rate). */
  private run: { since: Date, started: number } | null = null

  constructor (private readonly db: Kysely<Database>, private readonly options: IndexProgressOptions) {}

  start (): void {
    const every = this.options.intervalMs ?? 10_000
    this.timer = setInterval(() => { this.tick().catch(() => {}) }, every)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Counts the pending writes and those indexed since the run began, and logs a line (exposed for tests). */
  async tick (now = Date.now()): Promise<void> {
    const pending = await this.count(null)
    if (pending === 0) {
      if (this.run) this.options.log(`indexing caught up: ${fmt(await this.count(this.run.since))} writes indexed in ${duration(now - this.run.started)}`)
      this.run = null
      return
    }
    if (!this.run) {
      this.run = { since: new Date(), started: now }
      this.options.log(`indexing: ${fmt(pending)} writes waiting`)
      return
    }
    // Writes accepted while indexing runs count in the total.
    const done = await this.count(this.run.since)
    const perS = done / Math.max(1, (now - this.run.started) / 1000)
    const left = perS > 0 ? `, about ${duration((pending / perS) * 1000)} left` : ''
    this.options.log(`indexing: ${fmt(done)} of ${fmt(done + pending)} writes indexed, ${perS >= 10 ? Math.round(perS) : perS.toFixed(1)} a second${left}`)
  }

  /** Outbox rows still pending (null), or indexed since a moment. */
  private async count (doneSince: Date | null): Promise<number> {
    const q = this.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n'))
    const row = await (doneSince ? q.where('done_at', '>=', doneSince) : q.where('done_at', 'is', null)).executeTakeFirst()
    return Number(row?.n ?? 0)
  }
}

const fmt = (n: number): string => n.toLocaleString('en-GB')

function duration (ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 90) return `${s} s`
  const m = Math.round(s / 60)
  return m < 90 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`
}
