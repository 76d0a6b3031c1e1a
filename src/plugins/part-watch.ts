import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { PartHealth } from '../ports/health.ts'
import { redactSecrets } from '../redact-secrets.ts'

export interface PartWatchOptions {
  /** How often the parts are checked. Default 15 s. */
  intervalMs?: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Checks the store, the queue and the search index now, logging what changed (the timer does it every interval; tests call it). */
    watchParts (): Promise<void>
  }
}

const NAMES: Record<string, string> = { store: 'the store', queue: 'the job queue', searchIndex: 'the search index' }

/**
 * Puts in the log when a part the service stands on goes away or comes back: the store, the job
 * queue (Redis) and the search index, each through its health check (a ping), every `intervalMs`.
 * Only changes are logged, at warn when a part goes, at info when it is back: an operator reading the
 * log sees when a fault began and ended without polling /ready. The model logs its own changes
 * (embedding/model-state.ts); the index catching up is the pipeline's line (pipeline/index-progress.ts).
 */
async function partWatch (app: FastifyInstance, options: PartWatchOptions): Promise<void> {
  const seen = new Map<string, PartHealth['status']>()
  let running: Promise<void> | null = null
  const check = async (): Promise<void> => {
    const { store, queue, searchIndex } = app.parts
    const parts = await Promise.all([store.health(), queue.health(), searchIndex.health()])
    for (const p of parts) {
      const before = seen.get(p.part)
      seen.set(p.part, p.status)
      if (before === p.status) continue
      const name = `${NAMES[p.part] ?? p.part} (${p.adapter})`
      if (p.status === 'down') app.log.warn({ part: p.part }, `${name} is unavailable: ${redactSecrets(p.detail ?? 'no answer')}`)
      else if (before !== undefined) app.log.info({ part: p.part }, `${name} is available again`)
    }
  }
  // One check at a time: a part that does not answer holds a check for its probe's 2 s.
  app.decorate('watchParts', () => (running ??= check().finally(() => { running = null })))
  const timer = setInterval(() => { app.watchParts().catch((err: Error) => app.log.warn({ err }, 'checking the parts failed')) }, options.intervalMs ?? 15_000)
  timer.unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await running
  })
}

export default fp(partWatch, { name: 'part-watch', dependencies: ['parts'], fastify: '5.x' })
