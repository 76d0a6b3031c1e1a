import type { Parts } from './parts.ts'
import { RecordRepository } from './records/record-repository.ts'
import { FeedbackStore } from './records/feedback-store.ts'
import { PartnerMatcher } from './match/partner-matcher.ts'
import { CandidateFinder } from './match/candidate-finder.ts'
import { Recommender } from './match/recommender.ts'
import { DEFAULT_RECOMMENDATION_WEIGHTS } from './match/features.ts'
import { HybridSearch } from './search/hybrid-search.ts'
import { SyncStatus } from './pipeline/sync-status.ts'
import { QueryBatcher } from './embedding/query-batcher.ts'
import type { Embedder } from './ports/embedder.ts'

/** What the routes (and the alert jobs) call, each built once over the parts. */
export interface Services {
  records: RecordRepository
  feedback: FeedbackStore
  /** Ranks with the weights in force at each call (the active trained model's, else RANKING_WEIGHTS over the defaults). */
  partners: PartnerMatcher
  candidates: CandidateFinder
  recommender: Recommender
  search: HybridSearch
  syncStatus: SyncStatus
  /**
   * The embedder for users' query texts (free-text search and match): repeated texts from a small
   * cache, concurrent ones together in one model call (embedding/query-batcher.ts).
   */
  queries: Embedder
}

export function createServices (parts: Parts): Services {
  const records = new RecordRepository(parts.store.db, parts.records)
  const queries = new QueryBatcher(parts.embedder)
  const partners = new PartnerMatcher(parts.graph, parts.searchIndex, parts.vectors, () => parts.ranker.weights())
  return {
    records,
    feedback: new FeedbackStore(parts.store.db),
    partners,
    candidates: new CandidateFinder(parts.searchIndex, parts.vectors, partners),
    recommender: new Recommender(parts.store.db, parts.searchIndex, parts.vectors, records, DEFAULT_RECOMMENDATION_WEIGHTS),
    search: new HybridSearch(parts.searchIndex, queries, records, parts.vectors),
    syncStatus: new SyncStatus(parts),
    queries
  }
}
