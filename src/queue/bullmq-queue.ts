import { Queue, Worker, type ConnectionOptions } from 'bullmq'
import type { FailedJob, JobHandler, JobOptions, JobQueue, QueueCounts } from '../ports/job-queue.ts'
import { probe, type PartHealth } from '../ports/health.ts'

export interface BullMQQueueOptions {
  /** Redis URL, e.g. redis://127.0.0.1:6379. */
  url: string
  /** Queue name (one Redis key prefix per deployment). Default "engine". */
  name?: string
  /** Jobs run at once by this process's worker. Default 2. */
  concurrency?: number
  /** Attempts per job, with exponential backoff from `backoffMs`. Defaults 5 and 500. */
  attempts?: number
  backoffMs?: number
}

/** BullMQ's states of a job that is still to run ('unknown': no such job; 'active' is checked by its lock). */
const LIVE_STATES = new Set<string>(['waiting', 'waiting-children', 'prioritized', 'delayed'])

/** Jobs on Redis through BullMQ: durable, retried with backoff, shared by any number of worker processes. */
export class BullMQQueue implements JobQueue {
  readonly adapter = 'bullmq'
  private readonly queue: Queue
  private worker: Worker | null = null
  private readonly handlers = new Map<string, JobHandler<any>>()
  private readonly connection: ConnectionOptions
  private eventsQueue: Queue | null = null

  constructor (private readonly options: BullMQQueueOptions) {
    const url = new URL(options.url)
    this.connection = {
      host: url.hostname,
      port: Number(url.port || 6379),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      // Fail a health check quickly instead of queueing commands while Redis is away.
      enableOfflineQueue: false,
      maxRetriesPerRequest: null
    }
    this.queue = new Queue(options.name ?? 'engine', {
      connection: this.connection,
      defaultJobOptions: {
        attempts: options.attempts ?? 5,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 500 },
        removeOnComplete: 1000,
        removeOnFail: 5000
      }
    })
    // Connection errors surface through health(); without a listener they would crash the process.
    this.queue.on('error', () => {})
  }

  handle<T> (name: string, handler: JobHandler<T>): void {
    this.handlers.set(name, handler as JobHandler<any>)
  }

  async add<T> (name: string, data: T, options: JobOptions = {}): Promise<string> {
    const job = await this.queue.add(name, data, { ...(options.priority ? { priority: options.priority } : {}), ...(options.delayMs ? { delay: options.delayMs } : {}) })
    return job.id as string
  }

  async live (ids: readonly string[]): Promise<Set<string>> {
    const client = await this.queue.client
    const states = await Promise.all(ids.map(async (id) => {
      const state = await this.queue.getJobState(id)
      // An active job is running only while its worker holds the job's lock (renewed every
      // lockDuration / 2); a killed worker's lock expires, and its job is then as good as lost.
      if (state === 'active') return [id, (await client.get(`${this.queue.toKey(id)}:lock`)) !== null] as const
      return [id, LIVE_STATES.has(state)] as const
    }))
    return new Set(states.filter(([, alive]) => alive).map(([id]) => id))
  }

  async publish (topic: string, data: unknown): Promise<void> {
    this.eventsQueue ??= new Queue(`${this.queue.name}-events`, { connection: this.connection, defaultJobOptions: { removeOnComplete: 10_000, removeOnFail: 10_000 } })
    await this.eventsQueue.add(topic, data)
  }

  async counts (): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed')
    return { waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 }
  }

  async failed (limit: number): Promise<FailedJob[]> {
    const jobs = await this.queue.getFailed(0, limit - 1)
    return jobs.map((j) => ({ name: j.name, reason: j.failedReason, attempts: j.attemptsMade, failedAt: new Date(j.finishedOn ?? j.timestamp).toISOString(), data: j.data }))
  }

  async start (): Promise<void> {
    if (this.worker) return
    this.worker = new Worker(this.queue.name, async (job) => {
      const handler = this.handlers.get(job.name)
      if (!handler) throw new Error(`no handler for job "${job.name}"`)
      await handler(job.data)
    }, { connection: { ...this.connection, enableOfflineQueue: true }, concurrency: this.options.concurrency ?? 2 })
    this.worker.on('error', () => {})
  }

  health (): Promise<PartHealth> {
    return probe('queue', this.adapter, async () => {
      const counts = await this.queue.getJobCounts('waiting', 'active', 'failed')
      return `${this.options.url.replace(/\/\/[^@]*@/, '//***@')} waiting ${counts.waiting}, active ${counts.active}, failed ${counts.failed}`
    })
  }

  async close (): Promise<void> {
    await this.worker?.close()
    await this.eventsQueue?.close()
    await this.queue.close()
  }
}
