import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Id } from '../domain/common.ts'
import { FEEDBACK_EVENTS } from '../records/feedback-store.ts'
import { withErrors } from '../errors.ts'

const Event = Type.Object({
  personId: Id,
  itemKind: Type.Union(['organizations', 'people', 'proposals', 'communities', 'content'].map((k) => Type.Literal(k))),
  itemId: Id,
  event: Type.Union(FEEDBACK_EVENTS.map((e) => Type.Literal(e))),
  at: Type.Optional(Type.String({ format: 'date-time' }))
}, { additionalProperties: false })

const Body = Type.Object({ events: Type.Array(Event, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false })

/** POST /v1/feedback: shown, clicked, interest, dismissed, contact_accepted. Used at once. */
const feedbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = app.services.feedback
  app.post('/v1/feedback', {
    onRequest: app.requireScope('write'),
    schema: { tags: ['feedback'], summary: 'Record feedback events (a dismissed item disappears from that person\'s recommendations at once)', body: Body, response: withErrors({ 202: Type.Object({ accepted: Type.Integer() }) }) }
  }, async (request, reply) => {
    await store.add(request.body.events)
    reply.code(202)
    return { accepted: request.body.events.length }
  })
}

export default fp(feedbackRoutes, { name: 'feedback-routes', dependencies: ['parts', 'services', 'auth'], fastify: '5.x' })
