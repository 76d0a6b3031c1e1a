import type { Parts } from '../../parts.ts'
import { trainPartnerRanker, type PartnerTrainingReport } from './train-partner-ranker.ts'
import { RankerModels, type RankerModel } from './ranker-models.ts'

export interface TrainOptions {
  /** Months of the latest project starts whose consortia are the outcomes (default 12). */
  windowMonths?: number
  /** Make the new version the active one (default true). */
  activate?: boolean
  log?: (message: string) => void
}

/**
 * Trains the partner ranker on what the store holds, with the service's parts (its index and stored
 * vectors, the hand-set weights as prior), and stores the result as a new version. The CLI and the
 * admin route both come here.
 */
export async function trainAndStore (parts: Parts, options: TrainOptions = {}): Promise<{ model: RankerModel, report: PartnerTrainingReport }> {
  // Feedback is matched on today's graph: a history still being read at start is waited for.
  await parts.graph.settled()
  const model = parts.embedder.available ? parts.embedder.model : null
  const { weights, report } = await trainPartnerRanker({
    db: parts.store.db,
    index: parts.searchIndex,
    cache: parts.vectors,
    model,
    graph: parts.graph,
    prior: parts.ranker.handSet,
    ...(options.windowMonths !== undefined ? { windowMonths: options.windowMonths } : {}),
    ...(options.log ? { log: options.log } : {})
  })
  const stored = await new RankerModels(parts.store.db).save('partners', weights, { ...report, embeddingModel: model }, options.activate ?? true)
  await parts.ranker.reload()
  return { model: stored, report }
}
