import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'
import type { JobQueue } from '../ports/job-queue.ts'
import { INDEX_JOB, type IndexJobData } from './index-job.ts'

export interface OutboxRelayOptions {
  /** Outbox rows per job. Default 256: a job's texts are batched by token count, so bigger jobs pad less, but 1,024 was no faster (bench/ingest.ts). */
  batchSize?: number
  /** Most rows moved per pass. Default 2048. */
  maxPerPass?: number
  /** Idle poll interval in ms. Default 250. */
  pollMs?: number
  /**
   * A row enqueued this long ago and still not done is checked: if the job that carries it is still
   * waiting or running (a long import, a slow worker), its lease is renewed; if the job is gone
   * (completed without it, failed for good, lost with Redis or a dead process), the row is enqueued
   * again. Handlers are idempotent, so a duplicate would cost only work. Default 60000.
   */
  leaseMs?: number
  onError?: (err: Error) => void
}

/**
 * Moves outbox rows to the job queue. Several relays may run at once: rows are claimed with
 * `for update skip locked`, so each pass of each relay takes rows no other pass holds.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private stopped = true
  private readonly batchSize: number
  private readonly maxPerPass: number
  private readonly pollMs: number
  private readonly leaseMs: number

  constructor (private readonly db: Kysely<Database>, private readonly queue: JobQueue, private readonly options: OutboxRelayOptions = {}) {
    this.batchSize = options.batchSize ?? 256
    this.maxPerPass = options.maxPerPass ?? 2048
    this.pollMs = options.pollMs ?? 250
    this.leaseMs = options.leaseMs ?? 60_000
  }

  start (): void {
    this.stopped = false
    this.schedule(0)
  }

  /** Runs a pass soon (after a write), instead of waiting for the next poll. */
  wake (): void {
    if (!this.stopped && !this.running) this.schedule(0)
  }

  /** One pass; returns the number of rows enqueued. */
  async pass (): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const rows = await sql<{ seq: string, job_id: string | null }>`
        select seq, job_id from outbox
        where done_at is null
          and (enqueued_at is null or enqueued_at < now() - make_interval(secs => ${this.leaseMs / 1000}))
        order by seq
        limit ${this.maxPerPass}
        for update skip locked`.execute(tx)
      const leased = [...new Set(rows.rows.flatMap((r) => r.job_id === null ? [] : [r.job_id]))]
      const live = leased.length > 0 ? await this.queue.live(leased) : new Set<string>()
      const renew = rows.rows.filter((r) => r.job_id !== null && live.has(r.job_id)).map((r) => String(r.seq))
      if (renew.length > 0) await tx.updateTable('outbox').set({ enqueued_at: new Date() }).where('seq', 'in', renew).execute()
      const seqs = rows.rows.filter((r) => r.job_id === null || !live.has(r.job_id)).map((r) => String(r.seq))
      for (let i = 0; i < seqs.length; i += this.batchSize) {
        const batch = seqs.slice(i, i + this.batchSize)
        const jobId = await this.queue.add(INDEX_JOB, { seqs: batch } satisfies IndexJobData)
        await tx.updateTable('outbox').set((eb) => ({ enqueued_at: new Date(), job_id: jobId, attempts: eb('attempts', '+', 1) }))
          .where('seq', 'in', batch).execute()
      }
      return seqs.length
    })
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.running
  }

  private schedule (ms: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      this.running = this.pass().then((n) => {
        this.running = null
        if (!this.stopped) this.schedule(n >= this.maxPerPass ? 0 : this.pollMs)
      }, (err: Error) => {
        this.running = null
        this.options.onError?.(err)
        if (!this.stopped) this.schedule(this.pollMs * 4)
      })
    }, ms)
  }
}
