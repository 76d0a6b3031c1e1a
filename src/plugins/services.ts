import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createServices, type Services } from '../services.ts'
import { Cursors, cursorKey } from '../match/cursor.ts'

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
    /** Signs and checks the page cursors of every listing route, with the key the store keeps for all processes. */
    cursors: Cursors
  }
}

/** Builds the services once over the parts; routes destructure what they need from `app.services`. */
async function servicesPlugin (app: FastifyInstance): Promise<void> {
  app.decorate('services', createServices(app.parts))
  app.decorate('cursors', new Cursors(await cursorKey(app.parts.store.db)))
}

export default fp(servicesPlugin, { name: 'services', dependencies: ['parts'], fastify: '5.x' })
