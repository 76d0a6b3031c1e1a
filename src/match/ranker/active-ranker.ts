import type { Store } from '../../ports/store.ts'
import type { Database } from '../../store/schema.ts'
import type { Weights } from '../features.ts'
import { RANKER_CHANGES } from '../../store/channels.ts'
import { completeWeights, RankerModels, type RankerModel } from './ranker-models.ts'

/**
 * The partner-ranking weights in force: the active trained model's, else the hand-set ones
 * (RANKING_WEIGHTS over the defaults). Follows the store: activating a version anywhere (the API, the
 * CLI, another instance) notifies every service, which reads the active model again; after a gap in
 * notifications it reads it again too.
 */
export class ActiveRanker {
  private model: RankerModel | null = null
  private current: Weights
  private unlisten: (() => Promise<void>) | null = null
  private work: Promise<void> = Promise.resolve()

  private constructor (private readonly models: RankerModels, private readonly defaults: Weights) {
    this.current = defaults
  }

  static async open (store: Store<Database>, defaults: Weights): Promise<ActiveRanker> {
    const ranker = new ActiveRanker(new RankerModels(store.db), defaults)
    ranker.unlisten = await store.listen(RANKER_CHANGES, {
      onMessage: () => { ranker.reload().catch(() => {}) },
      onGap: () => { ranker.reload().catch(() => {}) }
    })
    await ranker.reload()
    return ranker
  }

  /** The weights a match uses now. */
  weights (): Weights {
    return this.current
  }

  /** The active model (null: the hand-set weights apply). */
  get active (): RankerModel | null {
    return this.model
  }

  get handSet (): Weights {
    return this.defaults
  }

  /** Reads the active model again; resolves when it is in force. */
  reload (): Promise<void> {
    this.work = this.work.then(async () => {
      const model = await this.models.active('partners')
      this.model = model
      this.current = model ? completeWeights(model.weights, this.defaults) : this.defaults
    }).catch(() => {})
    return this.work
  }

  async close (): Promise<void> {
    await this.unlisten?.()
    this.unlisten = null
    await this.work
  }
}
