import { KINDS, type Kind } from '../domain/kinds.ts'
import type { Parts } from '../parts.ts'
import { INDEX_JOB, type IndexJobData } from './index-job.ts'
import type { FailedJob, QueueCounts } from '../ports/job-queue.ts'
import { redactSecrets } from '../redact-secrets.ts'

/**
 * How long the status waits for the queue (Redis with BullMQ) before it reports the queue
 * unavailable: the status answers within about this long whatever Redis does (down, unresponsive,
 * reconnecting), like /ready's 2 s probe.
 */
export const QUEUE_DEADLINE_MS = 1000

export interface KindSync { kind: Kind, rows: number, documents: number | null, pendingOutbox: number, inSync: boolean }

export interface SyncState {
  kinds: KindSync[]
  /**
   * The queue's depth by state; null each, with `available: false` and the reason, while the queue
   * does not answer (Redis down, unresponsive or reconnecting).
   */
  queue: { adapter: string, available: boolean, reason: string | null, waiting: number | null, active: number | null, delayed: number | null, failed: number | null }
  /** Empty while the queue is unavailable: which jobs failed is not known then. */
  failedJobs: Array<{ name: string, reason: string, attempts: number, failedAt: string }>
  failing: { records: number, recent: Array<{ kind: string, id: string, attempts: number, error: string }> }
}

/**
 * Whether the search index is in sync with the store: live rows, indexed documents and pending
 * outbox entries per kind; the queue's depth; jobs that failed for good and whose work is still not
 * done; writes whose indexing is failing now.
 */
export class SyncStatus {
  constructor (private readonly parts: Pick<Parts, 'store' | 'queue' | 'searchIndex'>) {}

  async read (): Promise<SyncState> {
    const { store, queue, searchIndex } = this.parts
    const db = store.db
    // Asked first and in parallel with the store: a queue that does not answer costs the deadline once.
    const queued = readQueue(queue)
    const rows = await db.selectFrom('records').select(['kind']).select((eb) => eb.fn.countAll<string>().as('n'))
      .where('deleted', '=', false).groupBy('kind').execute()
    const pending = await db.selectFrom('outbox').select(['kind']).select((eb) => eb.fn.countAll<string>().as('n'))
      .where('done_at', 'is', null).groupBy('kind').execute()
    await searchIndex.refresh().catch(() => {})
    const kinds = await Promise.all(KINDS.map(async (kind) => {
      const n = Number(rows.find((r) => r.kind === kind)?.n ?? 0)
      const p = Number(pending.find((r) => r.kind === kind)?.n ?? 0)
      const documents = await searchIndex.count(kind).catch(() => null)
      return { kind, rows: n, documents, pendingOutbox: p, inSync: documents === n && p === 0 }
    }))
    const [fromQueue, failingCount, failingRecent] = await Promise.all([
      queued,
      db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('done_at', 'is', null).where('last_error', 'is not', null).executeTakeFirst(),
      db.selectFrom('outbox').select(['kind', 'record_id', 'attempts', 'last_error']).where('done_at', 'is', null).where('last_error', 'is not', null).orderBy('seq', 'desc').limit(20).execute()
    ])
    const failedJobs = fromQueue.ok ? fromQueue.failed : []
    // An indexing job's failure stays in the queue's history after a later job indexed its rows.
    const seqsOf = (data: unknown) => Array.isArray((data as IndexJobData | null)?.seqs) ? (data as IndexJobData).seqs : []
    const jobSeqs = [...new Set(failedJobs.filter((j) => j.name === INDEX_JOB).flatMap((j) => seqsOf(j.data)))]
    const pendingSeqs = jobSeqs.length === 0
      ? new Set<string>()
      : new Set((await db.selectFrom('outbox').select('seq').where('seq', 'in', jobSeqs).where('done_at', 'is', null).execute()).map((r) => String(r.seq)))
    const stillFailing = failedJobs
      .filter((j) => j.name !== INDEX_JOB || seqsOf(j.data).some((seq) => pendingSeqs.has(String(seq))))
      .slice(0, 20)
      .map(({ name, reason, attempts, failedAt }) => ({ name, reason, attempts, failedAt }))
    return {
      kinds,
      queue: fromQueue.ok
        ? { adapter: queue.adapter, available: true, reason: null, ...fromQueue.counts }
        : { adapter: queue.adapter, available: false, reason: fromQueue.reason, waiting: null, active: null, delayed: null, failed: null },
      failedJobs: stillFailing,
      failing: {
        records: Number(failingCount?.n ?? 0),
        recent: failingRecent.map((r) => ({ kind: r.kind, id: r.record_id, attempts: r.attempts, error: r.last_error ?? '' }))
      }
    }
  }
}

type QueueRead = { ok: true, counts: QueueCounts, failed: FailedJob[] } | { ok: false, reason: string }

/**
 * The queue's counts and failed jobs, or why not: never throws, and settles within
 * QUEUE_DEADLINE_MS. BullMQ's commands wait for a connection that is not there yet (Redis down
 * since the start), wait for an answer that never comes (Redis stopped) and fail at once while the
 * connection is recovering ("Stream isn't writeable"); none of it may hang or fail the status.
 */
async function readQueue (queue: Pick<Parts['queue'], 'adapter' | 'counts' | 'failed'>): Promise<QueueRead> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${QUEUE_DEADLINE_MS} ms`)), QUEUE_DEADLINE_MS)
  })
  try {
    const [counts, failed] = await Promise.race([Promise.all([queue.counts(), queue.failed(100)]), deadline])
    return { ok: true, counts, failed }
  } catch (err) {
    return { ok: false, reason: redactSecrets(`the ${queue.adapter} queue is unavailable: ${(err as Error).message}`) }
  } finally {
    clearTimeout(timer)
  }
}
