import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createServices, type Services } from '../services.ts'

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}

/** Builds the services once over the parts; routes destructure what they need from `app.services`. */
async function servicesPlugin (app: FastifyInstance): Promise<void> {
  app.decorate('services', createServices(app.parts))
}

export default fp(servicesPlugin, { name: 'services', dependencies: ['parts'], fastify: '5.x' })
