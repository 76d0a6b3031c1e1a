import fp from 'fastify-plugin'
import swagger, { type OpenAPIV3_2 as OpenApi32 } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { DOCS_SECURITY_HEADERS } from './security-headers.ts'
import { ALERT_TOPIC } from '../pipeline/proposal-alerts.ts'

/**
 * The body of the `proposal.candidates` webhook (src/pipeline/proposal-alerts.ts, AlertEvent): one
 * POST to ALERT_WEBHOOK_URL per new proposal with candidates at or above ALERT_MIN_SCORE
 * (docs/deployment.md, "The proposal.candidates webhook").
 */
export const AlertEventSchema = Type.Object({
  type: Type.Literal(ALERT_TOPIC, { description: 'Always "proposal.candidates".' }),
  proposalId: Type.String({ description: 'The new proposal: GET /v1/proposals/{proposalId}. One event per proposal, so it also identifies the delivery (a retry repeats it).' }),
  candidates: Type.Array(Type.Object({
    type: Type.Union([Type.Literal('organization'), Type.Literal('person')], { description: 'What the candidate is: an organisation (GET /v1/organizations/{id}) or a person (GET /v1/people/{id}).' }),
    id: Type.String({ description: 'The candidate\'s record id.' }),
    score: Type.Number({ minimum: 0, maximum: 1, description: 'How well the candidate fits, at least ALERT_MIN_SCORE.' }),
    summary: Type.Array(Type.String(), { description: 'The reasons, one sentence each (the reasons.summary of GET /v1/proposals/{id}/candidates).' })
  }, { additionalProperties: false }), { minItems: 1, maxItems: 20, description: 'Best first; at most 20, each scoring at least ALERT_MIN_SCORE. Computed once, when the proposal was first indexed: a retry sends the same list.' })
}, { additionalProperties: false })

export type AlertEventBody = Static<typeof AlertEventSchema>

/** OpenAPI 3.1 `webhooks`: the requests the service makes to a portal. */
const WEBHOOKS: Record<string, OpenApi32.PathItemObject> = {
  [ALERT_TOPIC]: {
    post: {
      operationId: 'proposalCandidatesWebhook',
      summary: 'New proposal with candidates (POST to ALERT_WEBHOOK_URL)',
      description: 'Sent once per new proposal whose candidates include at least one scoring ALERT_MIN_SCORE or more, after it is first indexed. ' +
        'Headers: `content-type: application/json`; no signature (docs/deployment.md says how to secure the endpoint). ' +
        'A 2xx answer within 5 s acknowledges it; anything else is retried with the job queue\'s backoff (5 attempts in all, about 8 s), ' +
        'then the event is given up (`GET /v1/status` failedJobs). Delivery is at least once, in no particular order: deduplicate by proposalId.',
      requestBody: { required: true, content: { 'application/json': { schema: JSON.parse(JSON.stringify(AlertEventSchema)) } } }, // plain JSON Schema: TypeBox's types are not openapi-types'
      responses: {
        '2XX': { description: 'Delivered: not sent again.' },
        default: { description: 'Not delivered (or no answer within 5 s): retried with backoff.' }
      }
    }
  }
}

/** The OpenAPI document, generated from the same schemas that validate requests; served at /docs. */
async function openapi (app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Skills-matching engine', version: '0.1.0', description: 'Partner and opportunity matching for open-innovation platforms.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' }
        }
      },
      security: [{ bearer: [] }, { apiKey: [] }],
      webhooks: WEBHOOKS
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
