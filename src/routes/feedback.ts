import fp from 'fastify-plugin'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { Id } from '../domain/common.ts'
import { FeedbackStore, FEEDBACK_EVENTS } from '../records/feedback-store.ts'

const Event = Type.Object({
  personId: Id,
  itemKind: Type.Union(['organizations', 'people', 'proposals', 'communities', 'content'].map((k) => Type.Literal(k))),
  itemId: Id,
  event: Type.Union(FEEDBACK_EVENTS.map((e) => Type.Literal(e))),
  at: Type.Optional(Type.String({ format: 'date-time' }))
}, { additionalProperties: false })

const Body = Type.Object({ events: Type.Array(Event, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false })

/** POST /v1/feedback: shown, clicked, interest, dismissed, contact_accepted. Used at once. */
async function feedbackRoutes (app: FastifyInstance): Promise<void> {
  const store = new FeedbackStore(app.parts.store.db)
  app.post<{ Body: Static<typeof Body> }>('/v1/feedback', {
    onRequest: app.requireScope('write'),
    schema: { tags: ['feedback'], summary: 'Record feedback events (a dismissed item disappears from that person\'s recommendations at once)', body: Body }
  }, async (request, reply) => {
    await store.add(request.body.events)
    reply.code(202)
    return { accepted: request.body.events.length }
  })
}

export default fp(feedbackRoutes, { name: 'feedback-routes', dependencies: ['parts', 'auth'], fastify: '5.x' })
