import fp from 'fastify-plugin'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { Id } from '../domain/common.ts'
import { RecordRepository } from '../records/record-repository.ts'
import { FeedbackStore } from '../records/feedback-store.ts'
import { Recommender, type OpportunityKind } from '../match/recommender.ts'
import { DEFAULT_RECOMMENDATION_WEIGHTS } from '../match/features.ts'
import { decodeCursor, encodeCursor, fingerprint } from '../match/cursor.ts'

const Query = Type.Object({
  kinds: Type.Optional(Type.Array(Type.Union([Type.Literal('proposals'), Type.Literal('communities'), Type.Literal('content')]), { maxItems: 3, description: 'Comma-separated or repeated; default all three.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  excludeShown: Type.Optional(Type.Boolean({ default: false, description: 'Leave out items already reported as shown.' })),
  explain: Type.Optional(Type.Boolean({ default: false }))
}, { additionalProperties: false })

/** GET /v1/people/:id/recommendations: open opportunities for a person, diversified and explained. */
async function recommendationRoutes (app: FastifyInstance): Promise<void> {
  const repo = new RecordRepository(app.parts.store.db)
  const feedback = new FeedbackStore(app.parts.store.db)
  const recommender = new Recommender(app.parts.store.db, app.parts.searchIndex, app.parts.vectors, repo, DEFAULT_RECOMMENDATION_WEIGHTS)

  app.get<{ Params: { id: string }, Querystring: Static<typeof Query> }>('/v1/people/:id/recommendations', {
    onRequest: app.requireScope('read'),
    preValidation: async (request) => {
      // Accept kinds=a,b as well as kinds=a&kinds=b.
      const q = request.query as Record<string, unknown>
      if (typeof q.kinds === 'string') q.kinds = q.kinds.split(',').filter(Boolean)
    },
    schema: { tags: ['match'], summary: 'Open opportunities (proposals, communities, content) for a person', params: Type.Object({ id: Id }), querystring: Query }
  }, async (request) => {
    const person = await repo.get('people', request.params.id)
    if (!person) throw Object.assign(new Error(`people/${request.params.id} does not exist`), { statusCode: 404 })
    request.timing.mark('record')
    const { cursor, limit, explain, ...rest } = request.query
    const print = fingerprint({ id: request.params.id, ...rest })
    const offset = decodeCursor(cursor, print)
    const size = limit ?? 10
    const model = app.parts.embedder.available ? app.parts.embedder.model : null
    const ranked = await recommender.recommend({
      personId: person.id,
      person: person.body,
      kinds: (request.query.kinds ?? ['proposals', 'communities', 'content']) as OpportunityKind[],
      feedback: await feedback.forPerson(person.id).finally(() => request.timing.mark('feedback')),
      excludeShown: request.query.excludeShown ?? false,
      model,
      now: new Date(),
      depth: offset + size,
      timing: request.timing
    })
    return {
      results: ranked.results.slice(offset, offset + size).map((r) => {
        if (explain) return r
        const { features: _features, ...plain } = r
        return plain
      }),
      nextCursor: offset + size < ranked.total ? encodeCursor(offset + size, print) : null
    }
  })
}

export default fp(recommendationRoutes, { name: 'recommendation-routes', dependencies: ['parts', 'auth'], fastify: '5.x' })
