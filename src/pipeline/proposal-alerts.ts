import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'
import type { JobQueue } from '../ports/job-queue.ts'
import type { Embedder } from '../ports/embedder.ts'
import type { CandidateFinder } from '../match/candidate-finder.ts'
import { RecordRepository } from '../records/record-repository.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import { seekerFromRecord } from '../match/seeker.ts'

export const ALERT_JOB = 'proposal-alert'
export const ALERT_TOPIC = 'proposal.candidates'

export interface AlertOptions {
  /** Candidates at or above this score are alerted. */
  minScore: number
  /** Receives a POST with the event, when set. */
  webhookUrl?: string | undefined
  /** Most candidates per alert. Default 20. */
  maxCandidates?: number
}

export interface AlertEvent {
  type: typeof ALERT_TOPIC
  proposalId: string
  candidates: Array<{ type: string, id: string, score: number, summary: string[] }>
}

/**
 * When a new proposal is indexed, finds who should hear about it; if anyone scores at or above
 * `minScore`, publishes one event on the queue and POSTs it to the webhook. The candidates are stored
 * first, so a failed delivery is retried with the same content, and a proposal is alerted once.
 */
export function alertJobHandler (db: Kysely<Database>, queue: JobQueue, embedder: Embedder, finder: CandidateFinder, cache: VectorCache, options: AlertOptions) {
  const repo = new RecordRepository(db)
  return async ({ proposalId, deferrals = 0 }: AlertJobData): Promise<void> => {
    // While records wait to be indexed (an import), candidates would come from a partial index and
    // the search would take the cores indexing needs: the alert waits, backing off up to a minute.
    if (await indexingBacklog(db)) {
      await queue.add(ALERT_JOB, { proposalId, deferrals: deferrals + 1 } satisfies AlertJobData, { priority: ALERT_PRIORITY, delayMs: Math.min(60_000, 500 * 2 ** deferrals) })
      return
    }
    let alert = await db.selectFrom('alerts').selectAll().where('proposal_id', '=', proposalId).executeTakeFirst()
    if (alert?.delivered_at) return
    if (!alert) {
      const proposal = await repo.get('proposals', proposalId)
      if (!proposal) return
      const model = embedder.available ? embedder.model : null
      const seeker = await seekerFromRecord('proposals', proposalId, proposal.body, model, cache)
      const found = await finder.find(seeker, (proposal.body.authorPersonId as string | undefined) ?? null, model)
      const above = found.filter((c) => c.score >= options.minScore).slice(0, options.maxCandidates ?? 20)
        .map((c) => ({ type: c.type, id: c.id, score: c.score, summary: c.reasons.summary }))
      await db.insertInto('alerts').values({ proposal_id: proposalId, candidates: JSON.stringify(above), ...(above.length === 0 ? { delivered_at: new Date() } : {}) })
        .onConflict((oc) => oc.column('proposal_id').doNothing()).execute()
      alert = await db.selectFrom('alerts').selectAll().where('proposal_id', '=', proposalId).executeTakeFirst()
      if (!alert || alert.delivered_at) return
    }
    const event: AlertEvent = { type: ALERT_TOPIC, proposalId, candidates: alert.candidates as AlertEvent['candidates'] }
    try {
      await queue.publish(ALERT_TOPIC, event)
      if (options.webhookUrl) {
        const res = await fetch(options.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event), signal: AbortSignal.timeout(5000) })
        if (!res.ok) throw new Error(`webhook answered ${res.status}`)
      }
      await db.updateTable('alerts').set({ delivered_at: new Date(), last_error: null }).where('proposal_id', '=', proposalId).execute()
    } catch (err) {
      await db.updateTable('alerts').set({ last_error: (err as Error).message.slice(0, 500) }).where('proposal_id', '=', proposalId).execute()
      throw err
    }
  }
}

export interface AlertJobData { proposalId: string, deferrals?: number }

/** Queue priority of alert jobs: index jobs have none, so waiting ones run first. */
export const ALERT_PRIORITY = 10

async function indexingBacklog (db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('outbox').select('seq').where('done_at', 'is', null).limit(1).executeTakeFirst()
  return row !== undefined
}
