import { KINDS, type Kind } from '../domain/kinds.ts'
import type { Parts } from '../parts.ts'
import { INDEX_JOB, type IndexJobData } from './index-job.ts'

export interface KindSync { kind: Kind, rows: number, documents: number | null, pendingOutbox: number, inSync: boolean }

export interface SyncState {
  kinds: KindSync[]
  queue: { adapter: string, waiting: number, active: number, delayed: number, failed: number }
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
    const [counts, failedJobs, failingCount, failingRecent] = await Promise.all([
      queue.counts(),
      queue.failed(100),
      db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('done_at', 'is', null).where('last_error', 'is not', null).executeTakeFirst(),
      db.selectFrom('outbox').select(['kind', 'record_id', 'attempts', 'last_error']).where('done_at', 'is', null).where('last_error', 'is not', null).orderBy('seq', 'desc').limit(20).execute()
    ])
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
      queue: { adapter: queue.adapter, ...counts },
      failedJobs: stillFailing,
      failing: {
        records: Number(failingCount?.n ?? 0),
        recent: failingRecent.map((r) => ({ kind: r.kind, id: r.record_id, attempts: r.attempts, error: r.last_error ?? '' }))
      }
    }
  }
}
