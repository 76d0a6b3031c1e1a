import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'

export interface IndexProgressOptions {
  /** How often the pending writes are counted and a line is logged while they are. */
  intervalMs?: number
  /** The recent stretch the rate is measured over. Default one minute. */
  windowMs?: number
  log: (line: string) => void
}

/** How many writes of the run were indexed by a moment. */
export interface ProgressSample { at: number, done: number }

/**
 * Writes indexed per second over the recent window, or null while there is no rate to tell: fewer
 * than `minSpanMs` between the first and last samples of the window, or nothing indexed between them.
 * The first sample should be the first that shows progress: the time before it (the model loading,
 * the first batch embedding) is no measure of the pace, and counting it tripled the first estimates.
 */
export function recentRate (samples: readonly ProgressSample[], minSpanMs: number): number | null {
  const first = samples[0]
  const last = samples.at(-1)
  if (!first || !last || last.at - first.at < minSpanMs || last.done <= first.done) return null
  return (last.done - first.done) / ((last.at - first.at) / 1000)
}

/** The time left at a rate, in ms. */
export function timeLeft (pending: number, perS: number): number {
  return (pending / perS) * 1000
}

/**
 * Says how indexing is going while writes wait in the outbox: "indexing: 1,200 of 4,000 writes
 * indexed, 35 a second, about 2 min left", every `intervalMs` while the count moves (else once a
 * minute), and one line when it has caught up.
 * The rate is measured over the last `windowMs` (recentRate): until there is one, the line says how
 * many are done and nothing of the time left. A first start that loads the demo data indexes for
 * minutes; a person at the terminal sees it move.
 */
export class IndexProgress {
  private timer: NodeJS.Timeout | null = null
  /** The run being reported: when it began (the store's clock for rows, `now` for the rate), and the samples of the window. */
  private run: { since: Date, started: number, samples: ProgressSample[], said: ProgressSample } | null = null

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
      this.run = { since: new Date(), started: now, samples: [], said: { at: now, done: 0 } }
      this.options.log(`indexing: ${fmt(pending)} writes waiting`)
      return
    }
    // Writes accepted while indexing runs count in the total.
    const done = await this.count(this.run.since)
    const samples = this.run.samples
    // Sampling starts at the first progress seen; the window keeps the newest sample at or before its start.
    if (done > 0) samples.push({ at: now, done })
    const windowMs = this.options.windowMs ?? 60_000
    while (samples.length > 2 && (samples[1] as ProgressSample).at <= now - windowMs) samples.shift()
    const perS = recentRate(samples, Math.min(windowMs, 2 * (this.options.intervalMs ?? 10_000)))
    // While nothing moves, a line a minute (not one every interval saying the same).
    if (done === this.run.said.done && now - this.run.said.at < 60_000) return
    this.run.said = { at: now, done }
    const rate = perS === null ? '' : `, ${perS >= 10 ? Math.round(perS) : perS.toFixed(1)} a second, about ${duration(timeLeft(pending, perS))} left`
    this.options.log(`indexing: ${fmt(done)} of ${fmt(done + pending)} writes indexed${rate}`)
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
