/**
 * The store's notification channels (`pg_notify` in the writing transaction, `Store.listen` to follow):
 * one place names them, so writers and listeners in different layers agree.
 */

/** A project write: payload the project id (records/record-repository.ts writes, match/collaboration-graph.ts follows). */
export const PROJECT_CHANGES = 'engine_project_changes'

/** A change of the active ranking model: payload the target (match/ranker/ranker-models.ts writes, active-ranker.ts follows). */
export const RANKER_CHANGES = 'engine_ranker_changes'

/** An applied write or delete of a record: payload `kind/id` (records/record-repository.ts writes, records/record-cache.ts follows). */
export const RECORD_CHANGES = 'engine_record_changes'
