import fp from 'fastify-plugin'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { Id } from '../domain/common.ts'
import { RecordRepository } from '../records/record-repository.ts'
import { PartnerMatcher } from '../match/partner-matcher.ts'
import { CandidateFinder } from '../match/candidate-finder.ts'
import { seekerFromRecord } from '../match/seeker.ts'
import { decodeCursor, encodeCursor, fingerprint } from '../match/cursor.ts'

const Query = Type.Object({
  types: Type.Optional(Type.Array(Type.Union([Type.Literal('organization'), Type.Literal('person')]), { maxItems: 2, description: 'Comma-separated; default both.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  explain: Type.Optional(Type.Boolean({ default: false }))
}, { additionalProperties: false })

/** GET /v1/proposals/:id/candidates: the organisations and people who should hear about a proposal. */
async function proposalCandidateRoutes (app: FastifyInstance): Promise<void> {
  const repo = new RecordRepository(app.parts.store.db)
  const cache = app.parts.vectors
  const finder = new CandidateFinder(app.parts.searchIndex, cache, new PartnerMatcher(app.parts.graph, app.parts.searchIndex, cache, () => app.parts.ranker.weights()))

  app.get<{ Params: { id: string }, Querystring: Static<typeof Query> }>('/v1/proposals/:id/candidates', {
    onRequest: app.requireScope('read'),
    preValidation: async (request) => {
      const q = request.query as Record<string, unknown>
      if (typeof q.types === 'string') q.types = q.types.split(',').filter(Boolean)
    },
    schema: { tags: ['match'], summary: 'Organisations and people who should hear about a proposal (opt-outs and visibility respected)', params: Type.Object({ id: Id }), querystring: Query }
  }, async (request) => {
    const proposal = await repo.get('proposals', request.params.id)
    if (!proposal) throw Object.assign(new Error(`proposals/${request.params.id} does not exist`), { statusCode: 404 })
    const { cursor, limit, explain, ...rest } = request.query
    const print = fingerprint({ id: request.params.id, ...rest })
    const offset = decodeCursor(cursor, print)
    const size = limit ?? 10
    const model = app.parts.embedder.available ? app.parts.embedder.model : null
    const seeker = await seekerFromRecord('proposals', proposal.id, proposal.body, model, cache)
    const types = request.query.types ?? ['organization', 'person']
    const all = (await finder.find(seeker, (proposal.body.authorPersonId as string | undefined) ?? null, model)).filter((c) => types.includes(c.type))
    return {
      results: all.slice(offset, offset + size).map((c) => {
        if (explain) return c
        const { features: _features, ...plain } = c
        return plain
      }),
      nextCursor: offset + size < all.length ? encodeCursor(offset + size, print) : null
    }
  })
}

export default fp(proposalCandidateRoutes, { name: 'proposal-candidate-routes', dependencies: ['parts', 'auth'], fastify: '5.x' })
