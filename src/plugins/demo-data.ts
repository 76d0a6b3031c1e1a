import fp from 'fastify-plugin'
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { importNdjson } from '../records/bulk-import.ts'
import { demoLines } from '../../fixtures/generate.ts'

/**
 * On the first start of the embedded default (no DATABASE_URL, an empty store), loads the demo data
 * set from fixtures/ in the background, so a new user has something to match against at once.
 * Indexing then catches up as for any import (GET /v1/status shows it).
 */
async function demoData (app: FastifyInstance): Promise<void> {
  if (!app.config.DEMO_DATA || app.config.DATABASE_URL) return
  const any = await app.parts.store.db.selectFrom('records').select('id').limit(1).executeTakeFirst()
  if (any) return
  let loading: Promise<void> | null = null
  app.addHook('onReady', async () => {
    loading = (async () => {
      const lines = Readable.from((async function * () {
        for await (const line of demoLines({ log: (m) => app.log.info(m) })) yield JSON.stringify(line) + '\n'
      })())
      const summary = await importNdjson(app.parts.store.db, lines, { onCommit: () => app.pipeline?.relay.wake(), repository: app.services.records })
      app.log.info(`demo data loaded: ${summary.created} records (${summary.failed} rejected); indexing continues in the background`)
    })().catch((err: Error) => app.log.error({ err }, 'demo data could not be loaded'))
  })
  app.addHook('onClose', async () => { await loading })
}

export default fp(demoData, { name: 'demo-data', dependencies: ['parts', 'services', 'pipeline'], fastify: '5.x' })
