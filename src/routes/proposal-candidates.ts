import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Id } from '../domain/common.ts'
import { Candidate } from '../match/match-schemas.ts'
import { seekerFromRecord } from '../match/seeker.ts'
import { recordNotFound, withErrors } from '../errors.ts'
import { NextCursor, PageParams, pageOf } from './common/paging.ts'
import { commaLists } from './common/comma-lists.ts'
import { withoutFeatures } from './common/without-features.ts'
import { NoticeFields, noticeLanguage, noticeOf } from '../notices.ts'

const Query = Type.Object({
  types: Type.Optional(Type.Array(Type.Union([Type.Literal('organization'), Type.Literal('person')]), { maxItems: 2, description: 'Comma-separated; default both.' })),
  ...PageParams,
  explain: Type.Optional(Type.Boolean({ default: false }))
}, { additionalProperties: false })

const Reply = Type.Object({ ...NoticeFields, results: Type.Array(Candidate), nextCursor: NextCursor })

/** GET /v1/proposals/:id/candidates: the organisations and people who should hear about a proposal. */
const proposalCandidateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { records, candidates, queries } = app.services
  const { embedder, vectors } = app.parts

  app.get('/v1/proposals/:id/candidates', {
    onRequest: app.requireScope('read'),
    preValidation: commaLists('types'),
    schema: { tags: ['match'], summary: 'Organisations and people who should hear about a proposal (opt-outs and visibility respected)', params: Type.Object({ id: Id }), querystring: Query, response: withErrors({ 200: Reply }) }
  }, async (request) => {
    const proposal = await records.get('proposals', request.params.id)
    if (!proposal) throw recordNotFound('proposals', request.params.id)
    const page = pageOf(app.cursors, request.query, { id: request.params.id })
    // A proposal written a moment ago: its vectors still pending are embedded now (query path); if the model does not answer, words only.
    const loaded = embedder.available ? embedder.model : null
    const seeker = await seekerFromRecord('proposals', proposal.id, proposal.body, loaded, vectors, queries)
    const model = seeker.semanticFallback ? null : loaded
    const types = request.query.types ?? ['organization', 'person']
    const all = (await candidates.find(seeker, (proposal.body.authorPersonId as string | undefined) ?? null, model)).filter((c) => types.includes(c.type))
    return {
      // Words only, for whatever reason (no model loaded, the model not answering): say so.
      ...noticeOf([(model === null || Object.keys(seeker.vectors).length === 0) && 'MODEL_UNAVAILABLE'], noticeLanguage(request.headers['accept-language'])),
      results: all.slice(page.offset, page.offset + page.size).map((c) => request.query.explain ? c : withoutFeatures(c)),
      nextCursor: page.next(all.length)
    }
  })
}

export default fp(proposalCandidateRoutes, { name: 'proposal-candidate-routes', dependencies: ['parts', 'services', 'auth'], fastify: '5.x' })
