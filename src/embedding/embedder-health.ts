import type { Embedder, ModelStatus } from '../ports/embedder.ts'
import type { PartHealth } from '../ports/health.ts'
import type { ModelInfo } from './model-info.ts'

const ADAPTER = 'transformers.js'

/**
 * The embedder's health, from its state: loading or off (with why) without a model; down, at once,
 * while it does not answer or its process is gone (a check would only wait out the deadline again);
 * else one query through it, `up` with its latency and where the model came from, or `down` with the
 * error (the failed query has then marked the state). Details are for admins (/ready shows them to an admin only).
 */
export async function embedderHealth (embedder: Embedder, model: ModelInfo | null, state: () => ModelStatus, where = ''): Promise<PartHealth> {
  const now = state()
  const detail = now.detail ?? now.reason ?? undefined
  if (!model || now.state === 'loading' || now.state === 'off') {
    return { part: 'embedder', adapter: ADAPTER, status: now.state === 'loading' ? 'loading' : 'off', latencyMs: 0, ...(detail ? { detail } : {}) }
  }
  if (!now.semanticMatching) return { part: 'embedder', adapter: ADAPTER, status: 'down', latencyMs: 0, ...(detail ? { detail } : {}) }
  const started = performance.now()
  try {
    await embedder.embed(['health check'], 'query')
    const after = state()
    return {
      part: 'embedder',
      adapter: ADAPTER,
      status: 'up',
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      detail: `${model.spec.name} (${model.spec.dimensions}-d) from ${model.origin} ${model.location}, loaded in ${model.loadMs} ms${where}` +
        (after.state === 'slow' ? `; ${after.detail ?? after.reason}` : '')
    }
  } catch (err) {
    return { part: 'embedder', adapter: ADAPTER, status: 'down', latencyMs: Math.round((performance.now() - started) * 100) / 100, detail: state().detail ?? (err as Error).message }
  }
}
