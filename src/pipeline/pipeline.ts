import type { Parts } from '../parts.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import { INDEX_JOB, indexJobHandler, type IndexJobData } from './index-job.ts'
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts'
import { refillInBackground, type RefillProgress } from './index-refill.ts'
import { ALERT_JOB, ALERT_PRIORITY, alertJobHandler, type AlertJobData, type AlertOptions } from './proposal-alerts.ts'
import type { CandidateFinder } from '../match/candidate-finder.ts'

export interface Pipeline {
  relay: OutboxRelay
  cache: VectorCache
  /** The embedded index's refill at start, running in the background (null with Elasticsearch). */
  refill: RefillProgress | null
  stop (): Promise<void>
}

/**
 * Starts the background pipeline in this process: the outbox relay and the embed-and-index worker.
 * The embedded index lives in memory, so it is refilled from the store (stored vectors, no
 * embedding) in the background, beside the relay: the service answers while it runs.
 */
export interface PipelineOptions extends OutboxRelayOptions {
  log?: (m: string) => void
  /** Alerts for new proposals; off when absent. */
  alerts?: AlertOptions & { finder: CandidateFinder }
}

export async function startPipeline (parts: Parts, options: PipelineOptions = {}): Promise<Pipeline> {
  const { store, queue, searchIndex, embedder, modelReady } = parts
  // The service's vector cache: vectors the pipeline writes or reads are then in memory for ranking,
  // and alert jobs (which rank) read them from memory, not from the store.
  const cache = parts.vectors
  // A search index that is down must not stop the service: writes are accepted and wait in the
  // outbox; the first bulk write creates the indices once it answers.
  await searchIndex.ensureIndices().catch((err: Error) => options.log?.(`search index not ready yet (${err.message}); indexing will catch up`))
  const refill = searchIndex.volatile ? refillInBackground(parts, options.log ?? (() => {})) : null
  let onNewProposals: ((ids: string[]) => Promise<void>) | undefined
  if (options.alerts) {
    queue.handle<AlertJobData>(ALERT_JOB, alertJobHandler(store.db, queue, embedder, options.alerts.finder, cache, options.alerts))
    // Alerts wait behind indexing: their candidates come from the index, best searched once it is current.
    onNewProposals = async (ids) => { for (const proposalId of ids) await queue.add(ALERT_JOB, { proposalId } satisfies AlertJobData, { priority: ALERT_PRIORITY }) }
  }
  queue.handle<IndexJobData>(INDEX_JOB, indexJobHandler({ db: store.db, embedder, searchIndex, cache, modelReady, ...(onNewProposals ? { onNewProposals } : {}) }))
  await queue.start()
  const relay = new OutboxRelay(store.db, queue, options)
  relay.start()
  return {
    relay,
    cache,
    refill: refill?.progress ?? null,
    stop: async () => {
      await relay.stop()
      await refill?.done
    }
  }
}
