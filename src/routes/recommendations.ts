import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Id } from '../domain/common.ts'
import { OpportunityKind, Recommendation } from '../match/match-schemas.ts'
import { recordNotFound, withErrors } from '../errors.ts'
import { NextCursor, PageParams, pageOf } from './common/paging.ts'
import { commaLists } from './common/comma-lists.ts'
import { withoutFeatures } from './common/without-features.ts'

const Query = Type.Object({
  kinds: Type.Optional(Type.Array(OpportunityKind, { maxItems: 3, description: 'Comma-separated or repeated; default all three.' })),
  ...PageParams,
  excludeShown: Type.Optional(Type.Boolean({ default: false, description: 'Leave out items already reported as shown.' })),
  explain: Type.Optional(Type.Boolean({ default: false }))
}, { additionalProperties: false })

const Reply = Type.Object({ results: Type.Array(Recommendation), nextCursor: NextCursor })

/** GET /v1/people/:id/recommendations: open opportunities for a person, diversified and explained. */
const recommendationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { records, feedback, recommender } = app.services
  const { embedder } = app.parts

  app.get('/v1/people/:id/recommendations', {
    onRequest: app.requireScope('read'),
    preValidation: commaLists('kinds'),
    schema: { tags: ['match'], summary: 'Open opportunities (proposals, communities, content) for a person', params: Type.Object({ id: Id }), querystring: Query, response: withErrors({ 200: Reply }) }
  }, async (request) => {
    const person = await records.get('people', request.params.id)
    if (!person) throw recordNotFound('people', request.params.id)
    request.timing.mark('record')
    const page = pageOf(app.cursors, request.query, { id: request.params.id })
    const ranked = await recommender.recommend({
      personId: person.id,
      person: person.body,
      kinds: request.query.kinds ?? ['proposals', 'communities', 'content'],
      feedback: await feedback.forPerson(person.id).finally(() => request.timing.mark('feedback')),
      excludeShown: request.query.excludeShown ?? false,
      model: embedder.available ? embedder.model : null,
      now: new Date(),
      depth: page.offset + page.size,
      timing: request.timing
    })
    return {
      results: ranked.results.slice(page.offset, page.offset + page.size).map((r) => request.query.explain ? r : withoutFeatures(r)),
      nextCursor: page.next(ranked.total)
    }
  })
}

export default fp(recommendationRoutes, { name: 'recommendation-routes', dependencies: ['parts', 'services', 'auth'], fastify: '5.x' })
