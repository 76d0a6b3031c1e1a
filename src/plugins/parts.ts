import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../../config/schema.ts'
import { closeParts, openParts, type Parts } from '../parts.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    parts: Parts
  }
}

export interface PartsPluginOptions {
  config: Config
  /** Already-open parts (tests share them across apps); the app then does not close them. */
  parts?: Parts
}

/** Opens the store, queue, search index and embedder, and closes them with the app. */
async function partsPlugin (app: FastifyInstance, options: PartsPluginOptions): Promise<void> {
  const owned = !options.parts
  const parts = options.parts ?? await openParts(options.config, {
    info: (m) => app.log.info(m),
    warn: (m) => app.log.warn(m)
  })
  app.decorate('config', options.config)
  app.decorate('parts', parts)
  if (owned) app.addHook('onClose', async () => { await closeParts(parts) })
}

export default fp(partsPlugin, { name: 'parts', fastify: '5.x' })
