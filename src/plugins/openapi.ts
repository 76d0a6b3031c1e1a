import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { DOCS_SECURITY_HEADERS } from './security-headers.ts'

/** The OpenAPI document, generated from the same schemas that validate requests; served at /docs. */
async function openapi (app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Skills-matching engine', version: '0.1.0', description: 'Partner and opportunity matching for open-innovation platforms.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' }
        }
      },
      security: [{ bearer: [] }, { apiKey: [] }]
    }
  })
  // In a context of its own, so that its headers reach the docs' routes and static files only.
  await app.register(async (docs) => {
    docs.addHook('onSend', async (_request, reply) => {
      reply.headers(DOCS_SECURITY_HEADERS)
    })
    await docs.register(swaggerUi, { routePrefix: '/docs' })
  })
}

export default fp(openapi, { name: 'openapi', fastify: '5.x' })
