import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import type { FailedJob, JobHandler, JobOptions, JobQueue, QueueCounts } from '../ports/job-queue.ts'
import { probe, type PartHealth } from '../ports/health.ts'

export interface InProcessQueueOptions {
  /** Attempts per job before it is given up and logged. Default 5. */
  attempts?: number
  /** First retry delay in ms, doubled at each attempt. Default 200. */
  backoffMs?: number
  /** Called when a job exhausts its attempts. */
  onFailed?: (name: string, data: unknown, err: Error) => void
  /**
   * Jobs run at once. Default 1. With 2, one job's store and index work overlaps another's
   * embedding, which runs on the model's own threads.
   */
  concurrency?: number
}

interface Pending { id: string, name: string, data: unknown, attempt: number, priority: number }

/**
 * The embedded default queue: jobs run in this process, `concurrency` at a time, with the same
 * handlers and the same retry semantics as BullMQ. Jobs are not durable here: the store's outbox is what makes
 * writes survive a restart.
 */
export class InProcessQueue implements JobQueue {
  readonly adapter = 'in-process'
  /** Published events, as ('event', topic, data). */
  readonly events = new EventEmitter()
  private readonly handlers = new Map<string, JobHandler<any>>()
  private readonly pending: Pending[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private running = false
  private active = 0
  private readonly failures: FailedJob[] = []
  /** Ids of jobs waiting, delayed or running. */
  private readonly liveIds = new Set<string>()
  /** Job ids are unique across processes: another process's ids are never live here. */
  private readonly idPrefix = randomUUID().slice(0, 8)
  private nextId = 0
  /** Drain loops running, each taking jobs one after another. */
  private readonly loops = new Set<Promise<void>>()
  private readonly attempts: number
  private readonly backoffMs: number
  private readonly concurrency: number

  constructor (private readonly options: InProcessQueueOptions = {}) {
    this.attempts = options.attempts ?? 5
    this.backoffMs = options.backoffMs ?? 200
    this.concurrency = Math.max(1, options.concurrency ?? 1)
  }

  handle<T> (name: string, handler: JobHandler<T>): void {
    this.handlers.set(name, handler as JobHandler<any>)
  }

  async add<T> (name: string, data: T, options: JobOptions = {}): Promise<string> {
    const job = { id: `${this.idPrefix}-${++this.nextId}`, name, data, attempt: 0, priority: options.priority ?? 0 }
    this.liveIds.add(job.id)
    if (options.delayMs) {
      this.later(job, options.delayMs)
    } else {
      this.enqueue(job)
      this.pump()
    }
    return job.id
  }

  async live (ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.liveIds.has(id)))
  }

  private later (job: Pending, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.enqueue(job)
      this.pump()
    }, ms)
    this.timers.add(timer)
  }

  /** Keeps `pending` in priority order (0, no priority, first), first in first out within one. */
  private enqueue (job: Pending): void {
    let at = this.pending.length
    while (at > 0 && (this.pending[at - 1] as Pending).priority > job.priority) at--
    this.pending.splice(at, 0, job)
  }

  async start (): Promise<void> {
    this.running = true
    this.pump()
  }

  async publish (topic: string, data: unknown): Promise<void> {
    this.events.emit('event', topic, data)
  }

  async counts (): Promise<QueueCounts> {
    return { waiting: this.pending.length, active: this.active, delayed: this.timers.size, failed: this.failures.length }
  }

  async failed (limit: number): Promise<FailedJob[]> {
    return this.failures.slice(-limit).reverse()
  }

  health (): Promise<PartHealth> {
    return probe('queue', this.adapter, async () => `${this.pending.length} waiting`)
  }

  async close (): Promise<void> {
    this.running = false
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    await Promise.all(this.loops)
  }

  private pump (): void {
    while (this.running && this.loops.size < this.concurrency && this.pending.length > 0) {
      const loop: Promise<void> = this.drain().finally(() => {
        this.loops.delete(loop)
        this.pump()
      })
      this.loops.add(loop)
    }
  }

  private async drain (): Promise<void> {
    while (this.running && this.pending.length > 0) {
      const job = this.pending.shift() as Pending
      const handler = this.handlers.get(job.name)
      this.active++
      try {
        if (!handler) throw new Error(`no handler for job "${job.name}"`)
        await handler(job.data)
        this.liveIds.delete(job.id)
      } catch (err) {
        this.retry(job, err as Error)
      } finally {
        this.active--
      }
      // The next job starts after a turn of the event loop. A job whose awaits all settle at once
      // (the embedded store and index answer without I/O) would otherwise chain into the next: a
      // run of them (a burst of alerts after an import) starved requests, timers and the model
      // process's replies for tens of seconds.
      if (this.pending.length > 0) await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }

  private retry (job: Pending, err: Error): void {
    job.attempt++
    if (job.attempt >= this.attempts) {
      this.liveIds.delete(job.id)
      this.failures.push({ name: job.name, reason: err.message, attempts: job.attempt, failedAt: new Date().toISOString(), data: job.data })
      if (this.failures.length > 1000) this.failures.shift()
      this.options.onFailed?.(job.name, job.data, err)
      return
    }
    this.later(job, this.backoffMs * 2 ** (job.attempt - 1))
  }
}
