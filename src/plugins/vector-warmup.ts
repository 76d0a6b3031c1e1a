import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { untilIndexed, warmVectorCache } from '../records/vector-warmup.ts'

export interface VectorWarmupState {
  state: 'off' | 'waiting' | 'running' | 'done' | 'failed'
  vectors: number
  records: number
  ms: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Progress of filling the vector cache at start (shown by /v1/status). */
    vectorWarmup: VectorWarmupState
  }
}

/**
 * Fills the vector cache in the background once the model is known (vectors are keyed by model)
 * and the writes accepted by then are indexed (indexing computes the vectors); the service answers
 * meanwhile. Stopped when the app closes.
 */
async function vectorWarmupPlugin (app: FastifyInstance): Promise<void> {
  const status: VectorWarmupState = { state: app.config.VECTOR_CACHE_WARM && app.config.VECTOR_CACHE_MB > 0 ? 'waiting' : 'off', vectors: 0, records: 0, ms: 0 }
  app.decorate('vectorWarmup', status)
  if (status.state === 'off') return
  const abort = new AbortController()
  let running: Promise<void> = Promise.resolve()
  app.addHook('onReady', async () => {
    running = app.parts.modelReady.then(async () => {
      const model = app.parts.embedder.available ? app.parts.embedder.model : null
      if (!model || abort.signal.aborted) { status.state = 'off'; return }
      // Still 'waiting' until what was accepted before is indexed: indexing computes the vectors to read.
      await untilIndexed(app.parts.store.db, { signal: abort.signal })
      if (abort.signal.aborted) return
      status.state = 'running'
      const r = await warmVectorCache(app.parts.store.db, app.parts.vectors, model, { signal: abort.signal })
      Object.assign(status, { state: 'done', vectors: r.vectors, records: r.records, ms: r.ms })
      app.log.info(`vector cache warmed: ${r.vectors} vectors of ${r.records} records in ${r.ms} ms (${Math.round(app.parts.vectors.fill() * 100)}% of VECTOR_CACHE_MB)`)
    }).catch((err: Error) => {
      status.state = 'failed'
      if (!abort.signal.aborted) app.log.warn({ err }, 'vector cache warm-up failed; vectors are read from the store as requests need them')
    })
  })
  // Registered after the parts plugin, so it stops before the store closes.
  app.addHook('onClose', async () => {
    abort.abort()
    await running
  })
}

export default fp(vectorWarmupPlugin, { name: 'vector-warmup', dependencies: ['parts'], fastify: '5.x' })
