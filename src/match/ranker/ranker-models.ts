import { sql, type Kysely } from 'kysely'
import type { Database } from '../../store/schema.ts'
import { FEATURES, type Feature, type Weights } from '../features.ts'
import { RankerModelNotFoundError } from '../../errors.ts'
import { RANKER_CHANGES } from '../../store/channels.ts'
import { MAX_INT4 } from '../../domain/common.ts'

export type RankerTarget = 'partners'

export interface RankerModel {
  version: number
  target: RankerTarget
  trainedAt: string
  active: boolean
  weights: Weights
  /** What the trainer wrote: data sizes, the split, offline metrics (train-partner-ranker.ts). */
  report: Record<string, unknown>
}

/** Trained ranking models in the store: every version kept, at most one active per target. */
export class RankerModels {
  constructor (private readonly db: Kysely<Database>) {}

  /** Stores a new version (and makes it the active one when `activate`). */
  async save (target: RankerTarget, weights: Weights, report: Record<string, unknown>, activate: boolean): Promise<RankerModel> {
    return await this.db.transaction().execute(async (tx) => {
      if (activate) await tx.updateTable('ranker_models').set({ active: false }).where('target', '=', target).where('active', '=', true).execute()
      const row = await tx.insertInto('ranker_models')
        .values({ target, weights: JSON.stringify(weights), report: JSON.stringify(report), active: activate })
        .returningAll().executeTakeFirstOrThrow()
      if (activate) await sql`select pg_notify(${RANKER_CHANGES}, ${target})`.execute(tx)
      return toModel(row)
    })
  }

  /** Every version, newest first. */
  async list (target: RankerTarget): Promise<RankerModel[]> {
    const rows = await this.db.selectFrom('ranker_models').selectAll().where('target', '=', target).orderBy('version', 'desc').execute()
    return rows.map(toModel)
  }

  async active (target: RankerTarget): Promise<RankerModel | null> {
    const row = await this.db.selectFrom('ranker_models').selectAll().where('target', '=', target).where('active', '=', true).executeTakeFirst()
    return row ? toModel(row) : null
  }

  /** Makes `version` the active model (a rollback is activating an earlier one). */
  async activate (target: RankerTarget, version: number): Promise<RankerModel> {
    // Versions are a serial (integer) column: a number past it names no version (and would overflow the query).
    if (!Number.isSafeInteger(version) || version < 1 || version > MAX_INT4) throw new RankerModelNotFoundError(version)
    return await this.db.transaction().execute(async (tx) => {
      const found = await tx.selectFrom('ranker_models').select('version').where('target', '=', target).where('version', '=', version).forUpdate().executeTakeFirst()
      if (!found) throw new RankerModelNotFoundError(version)
      await tx.updateTable('ranker_models').set({ active: false }).where('target', '=', target).where('active', '=', true).execute()
      const row = await tx.updateTable('ranker_models').set({ active: true }).where('version', '=', version).returningAll().executeTakeFirstOrThrow()
      await sql`select pg_notify(${RANKER_CHANGES}, ${target})`.execute(tx)
      return toModel(row)
    })
  }

  /** No active model: the hand-set weights apply again. */
  async deactivate (target: RankerTarget): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('ranker_models').set({ active: false }).where('target', '=', target).where('active', '=', true).execute()
      await sql`select pg_notify(${RANKER_CHANGES}, ${target})`.execute(tx)
    })
  }
}

/**
 * Stored weights as a full set: a feature the model does not know (added after it was trained)
 * takes `fallback`'s weight; a name that is no longer a feature is dropped.
 */
export function completeWeights (stored: unknown, fallback: Weights): Weights {
  const out = { ...fallback }
  if (stored && typeof stored === 'object') {
    for (const [k, v] of Object.entries(stored)) if (k in FEATURES && typeof v === 'number' && Number.isFinite(v)) out[k as Feature] = v
  }
  return out
}

function toModel (row: { version: number, target: string, trained_at: Date, active: boolean, weights: unknown, report: unknown }): RankerModel {
  return {
    version: Number(row.version),
    target: row.target as RankerTarget,
    trainedAt: new Date(row.trained_at).toISOString(),
    active: row.active,
    weights: row.weights as Weights,
    report: (row.report ?? {}) as Record<string, unknown>
  }
}
