import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { startPipeline, type Pipeline } from '../pipeline/pipeline.ts'
import { IndexProgress } from '../pipeline/index-progress.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The in-process relay and worker, or null when RUN_WORKERS=false. */
    pipeline: Pipeline | null
  }
}

/** Runs the outbox relay and the embed-and-index worker in the API process (the default). */
async function pipelinePlugin (app: FastifyInstance): Promise<void> {
  if (!app.config.RUN_WORKERS) {
    app.decorate('pipeline', null)
    // Workers elsewhere create the indices too, but searches may come first.
    await app.parts.searchIndex.ensureIndices().catch((err: Error) => app.log.warn(`search index not ready yet (${err.message})`))
    return
  }
  const pipeline = await startPipeline(app.parts, {
    leaseMs: app.config.OUTBOX_LEASE_MS,
    batchSize: app.config.OUTBOX_BATCH_SIZE,
    alerts: { minScore: app.config.ALERT_MIN_SCORE, webhookUrl: app.config.ALERT_WEBHOOK_URL, finder: app.services.candidates },
    log: (m) => app.log.info(m),
    onError: (err) => app.log.warn({ err }, 'outbox relay pass failed; retrying')
  })
  app.decorate('pipeline', pipeline)
  // How indexing goes, in the log, while writes wait (a first start indexes the demo data for minutes).
  const progress = new IndexProgress(app.parts.store.db, { log: (m) => app.log.info(m) })
  progress.start()
  // Registered after the parts plugin, so it closes before the queue and store do.
  app.addHook('onClose', async () => {
    progress.stop()
    await pipeline.stop()
  })
}

export default fp(pipelinePlugin, { name: 'pipeline', dependencies: ['parts', 'services'], fastify: '5.x' })
