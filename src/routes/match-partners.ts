import fp from 'fastify-plugin'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { Country, Id, Phrase, S3Area, SectorCode } from '../domain/common.ts'
import { OrganizationKind, OrganizationSize } from '../domain/records.ts'
import { RecordRepository } from '../records/record-repository.ts'
import { PartnerMatcher } from '../match/partner-matcher.ts'
import { seekerFromRecord, seekerFromText } from '../match/seeker.ts'
import { decodeCursor, encodeCursor, fingerprint } from '../match/cursor.ts'

const Body = Type.Object({
  organizationId: Type.Optional(Id),
  proposalId: Type.Optional(Id),
  text: Type.Optional(Type.String({ minLength: 3, maxLength: 5000, description: 'What you are looking for, in your words.' })),
  competencies: Type.Optional(Type.Array(Phrase, { maxItems: 30, description: 'Competencies you want (with `text`).' })),
  mode: Type.Optional(Type.Union([Type.Literal('similar'), Type.Literal('complementary'), Type.Literal('reciprocal')], { default: 'complementary' })),
  filters: Type.Optional(Type.Object({
    kinds: Type.Optional(Type.Array(OrganizationKind, { maxItems: 6 })),
    countries: Type.Optional(Type.Array(Country, { maxItems: 60 })),
    regions: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
    s3Areas: Type.Optional(Type.Array(S3Area, { maxItems: 20 })),
    sectors: Type.Optional(Type.Array(SectorCode, { maxItems: 50 })),
    sizes: Type.Optional(Type.Array(OrganizationSize, { maxItems: 4 }))
  }, { additionalProperties: false })),
  excludePastPartners: Type.Optional(Type.Boolean({ default: false })),
  programme: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Programme area the partnership is for (e.g. "H2020 LEIT"): its most active organisations become candidates.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  explain: Type.Optional(Type.Boolean({ default: false }))
}, { additionalProperties: false })

type Body = Static<typeof Body>

/** POST /v1/match/partners: ranked, explained organisations for an organisation, a proposal or free text. */
async function matchPartnerRoutes (app: FastifyInstance): Promise<void> {
  const repo = new RecordRepository(app.parts.store.db)
  const cache = app.parts.vectors
  const matcher = new PartnerMatcher(app.parts.graph, app.parts.searchIndex, cache, () => app.parts.ranker.weights())

  app.post<{ Body: Body }>('/v1/match/partners', {
    onRequest: app.requireScope('read'),
    // Free text runs the model: a bounded number per client at once.
    preHandler: async (request, reply) => { if (request.body.text !== undefined) await app.freeTextSlot(request, reply) },
    schema: { tags: ['match'], summary: 'Rank organisations as partners: similar, complementary or reciprocal', body: Body }
  }, async (request) => {
    const b = request.body
    const given = [b.organizationId, b.proposalId, b.text].filter((x) => x !== undefined).length
    if (given !== 1) throw Object.assign(new Error('body needs exactly one of organizationId, proposalId or text'), { statusCode: 400 })
    if (b.competencies && !b.text) throw Object.assign(new Error('body.competencies goes with body.text'), { statusCode: 400 })
    const mode = b.mode ?? 'complementary'
    let model = app.parts.embedder.available ? app.parts.embedder.model : null
    let seeker
    if (b.text) {
      seeker = await seekerFromText(b.text, b.competencies ?? [], app.parts.embedder, cache)
      request.timing.mark('embed')
      if (seeker.semanticFallback) model = null
    } else {
      const kind = b.organizationId ? 'organizations' as const : 'proposals' as const
      const id = (b.organizationId ?? b.proposalId) as string
      const record = await repo.get(kind, id)
      if (!record) throw Object.assign(new Error(`${kind}/${id} does not exist`), { statusCode: 404 })
      request.timing.mark('record')
      seeker = await seekerFromRecord(kind, id, record.body, model, cache)
      request.timing.mark('seeker')
    }
    const { cursor, limit, explain, ...rest } = b
    const print = fingerprint(rest)
    const offset = decodeCursor(cursor, print)
    const size = limit ?? 10
    const ranked = await matcher.match({ seeker, mode, filters: b.filters ?? {}, excludePastPartners: b.excludePastPartners ?? false, model, depth: offset + size, timing: request.timing, ...(b.programme ? { programme: b.programme } : {}) })
    const page = ranked.results.slice(offset, offset + size).map((r) => {
      if (explain) return r
      const { features: _features, ...plain } = r
      return plain
    })
    return {
      mode,
      semanticMatching: model !== null && Object.keys(seeker.vectors).length > 0,
      ...(seeker.semanticFallback ? { notice: `lexical matching only: ${seeker.semanticFallback}` } : {}),
      results: page,
      nextCursor: offset + size < ranked.total ? encodeCursor(offset + size, print) : null
    }
  })
}

export default fp(matchPartnerRoutes, { name: 'match-partner-routes', dependencies: ['parts', 'auth'], fastify: '5.x' })
