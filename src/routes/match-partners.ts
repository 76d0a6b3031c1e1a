import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Id, Phrase } from '../domain/common.ts'
import { PartnerFilters, PartnerMode, PartnerResult } from '../match/match-schemas.ts'
import { seekerFromRecord, seekerFromText } from '../match/seeker.ts'
import { InvalidRequestError, recordNotFound, withErrors } from '../errors.ts'
import { NextCursor, PageParams, pageOf } from './common/paging.ts'
import { withoutFeatures } from './common/without-features.ts'
import { NoticeFields, noticeLanguage, noticeOf } from '../notices.ts'

const Body = Type.Object({
  organizationId: Type.Optional(Id),
  proposalId: Type.Optional(Id),
  text: Type.Optional(Type.String({ minLength: 3, maxLength: 5000, description: 'What you are looking for, in your words.' })),
  competencies: Type.Optional(Type.Array(Phrase, { maxItems: 30, description: 'Competencies you want (with `text`).' })),
  mode: Type.Optional(PartnerMode),
  filters: Type.Optional(PartnerFilters),
  excludePastPartners: Type.Optional(Type.Boolean({ default: false })),
  programme: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Programme area the partnership is for (e.g. "H2020 LEIT"): its most active organisations become candidates.' })),
  ...PageParams,
  explain: Type.Optional(Type.Boolean({ default: false }))
}, { additionalProperties: false })

const Reply = Type.Object({
  mode: PartnerMode,
  semanticMatching: Type.Boolean({ description: 'Whether the model compared meanings (false: words only).' }),
  ...NoticeFields,
  results: Type.Array(PartnerResult),
  nextCursor: NextCursor
})

/** POST /v1/match/partners: ranked, explained organisations for an organisation, a proposal or free text. */
const matchPartnerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { records, partners, queries } = app.services
  const { embedder, vectors } = app.parts

  app.post('/v1/match/partners', {
    onRequest: app.requireScope('read'),
    // Free text runs the model: a bounded number per client at once.
    preHandler: async (request, reply) => { if (request.body.text !== undefined) await app.freeTextSlot(request, reply) },
    schema: { tags: ['match'], summary: 'Rank organisations as partners: similar, complementary or reciprocal', body: Body, response: withErrors({ 200: Reply }) }
  }, async (request) => {
    const b = request.body
    const given = [b.organizationId, b.proposalId, b.text].filter((x) => x !== undefined).length
    if (given !== 1) throw new InvalidRequestError('body needs exactly one of organizationId, proposalId or text')
    if (b.competencies && !b.text) throw new InvalidRequestError('body.competencies goes with body.text')
    const mode = b.mode ?? 'complementary'
    let model = embedder.available ? embedder.model : null
    let seeker
    if (b.text) {
      seeker = await seekerFromText(b.text, b.competencies ?? [], queries, vectors)
      request.timing.mark('embed')
    } else {
      const kind = b.organizationId ? 'organizations' as const : 'proposals' as const
      const id = (b.organizationId ?? b.proposalId) as string
      const record = await records.get(kind, id)
      if (!record) throw recordNotFound(kind, id)
      request.timing.mark('record')
      // A record written a moment ago: its vectors still pending are embedded now (query path).
      seeker = await seekerFromRecord(kind, id, record.body, model, vectors, queries)
      request.timing.mark('seeker')
    }
    if (seeker.semanticFallback) {
      // The model did not answer in time: words only, and the notice says so (the cause goes to the log, not the caller).
      request.log.debug({ reason: seeker.semanticFallback }, 'partner match on words only: the model did not answer')
      model = null
    }
    const page = pageOf(app.cursors, b)
    const ranked = await partners.match({ seeker, mode, filters: b.filters ?? {}, excludePastPartners: b.excludePastPartners ?? false, model, depth: page.offset + page.size, timing: request.timing, ...(b.programme ? { programme: b.programme } : {}) })
    const semanticMatching = model !== null && Object.keys(seeker.vectors).length > 0
    return {
      mode,
      semanticMatching,
      // Words only, for whatever reason (no model loaded, the model not answering): say so.
      ...noticeOf([!semanticMatching && 'MODEL_UNAVAILABLE'], noticeLanguage(request.headers['accept-language'])),
      results: ranked.results.slice(page.offset, page.offset + page.size).map((r) => b.explain ? r : withoutFeatures(r)),
      nextCursor: page.next(ranked.total)
    }
  })
}

export default fp(matchPartnerRoutes, { name: 'match-partner-routes', dependencies: ['parts', 'services', 'auth'], fastify: '5.x' })
