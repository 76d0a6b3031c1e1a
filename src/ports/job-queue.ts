import type { HealthCheck } from './health.ts'

/** A handler runs one job; throwing makes the queue retry it (with backoff where the adapter supports it). */
export type JobHandler<T = unknown> = (data: T) => Promise<void>

export interface QueueCounts { waiting: number, active: number, delayed: number, failed: number }

export interface JobOptions {
  /**
   * Waiting jobs of a lower number run first (1 is the most urgent; BullMQ's convention). Jobs
   * without one run before any with one. Default: none.
   */
  priority?: number
  /** Milliseconds before the job may run. Default 0. */
  delayMs?: number
}

/** A job that exhausted its attempts. */
export interface FailedJob { name: string, reason: string, attempts: number, failedAt: string, data: unknown }

/**
 * Background work: BullMQ on Redis, or an in-process queue running the same handlers.
 * Delivery is at least once; handlers must be idempotent.
 */
export interface JobQueue extends HealthCheck {
  /** "bullmq" or "in-process". */
  readonly adapter: string
  /** Registers the handler of a job name; call before `start`. */
  handle<T> (name: string, handler: JobHandler<T>): void
  /** Adds a job; resolves with its id once the queue has accepted it. */
  add<T> (name: string, data: T, options?: JobOptions): Promise<string>
  /**
   * Which of these jobs are still to run or running: waiting, delayed (a retry's backoff included)
   * or active. A job that completed, exhausted its attempts or was lost (Redis flushed, another
   * process's in-memory queue) is not.
   */
  live (ids: readonly string[]): Promise<Set<string>>
  /**
   * Publishes an event for other systems: on BullMQ, a job on the `<queue>-events` queue that this
   * service never consumes; in-process, an `event` emitted on `events`.
   */
  publish (topic: string, data: unknown): Promise<void>
  /** Jobs by state. */
  counts (): Promise<QueueCounts>
  /** The most recent jobs that exhausted their attempts, newest first. */
  failed (limit: number): Promise<FailedJob[]>
  /** Starts consuming jobs in this process. */
  start (): Promise<void>
  /** Stops taking jobs, lets running ones finish, releases connections. */
  close (): Promise<void>
}
