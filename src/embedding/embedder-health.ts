import type { Embedder } from '../ports/embedder.ts'
import type { PartHealth } from '../ports/health.ts'
import type { ModelInfo } from './model-info.ts'

/**
 * The embedder's health: `off` (with why) without a model, else one query through it, `up` with its
 * latency and where the model came from, or `down` with the error.
 */
export async function embedderHealth (embedder: Embedder, model: ModelInfo | null, off: { state: 'loading' | 'off', reason: string }, where = ''): Promise<PartHealth> {
  if (!model) return { part: 'embedder', adapter: 'transformers.js', status: off.state, latencyMs: 0, detail: off.reason }
  const started = performance.now()
  try {
    await embedder.embed(['health check'], 'query')
    return {
      part: 'embedder',
      adapter: 'transformers.js',
      status: 'up',
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      detail: `${model.spec.name} (${model.spec.dimensions}-d) from ${model.origin} ${model.location}, loaded in ${model.loadMs} ms${where}`
    }
  } catch (err) {
    return { part: 'embedder', adapter: 'transformers.js', status: 'down', latencyMs: performance.now() - started, detail: (err as Error).message }
  }
}
