import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { InvalidRequestError, recordNotFound, withErrors } from '../errors.ts'
import { noticeLanguage, noticeOf } from '../notices.ts'
import { seekerFromRecord, seekerFromText } from '../match/seeker.ts'
import { ConsortiumBody, ConsortiumReply, DEFAULT_SIZE } from '../match/consortium/schemas.ts'
import { ConsortiumBuilder, type IncludedRecord, type SeekerMember } from '../match/consortium/consortium-builder.ts'
import { storedOrganisations } from '../match/consortium/candidates.ts'
import { withSought } from '../match/consortium/sought.ts'
import { Team, type Unit } from '../match/consortium/objective.ts'
import { needed, type Rules } from '../match/consortium/rules.ts'

/** A 400 naming the field (`body.rules.minCountries`), with `problems` as a validation error has them. */
function fieldError (path: readonly string[], problem: string): Error {
  return Object.assign(new InvalidRequestError(`body.${path.join('.')} ${problem}`), {
    validation: [{ instancePath: `/${path.join('/')}`, message: problem, params: {} }],
    validationContext: 'body'
  })
}

/** POST /v1/match/consortium: a team of organisations covering what a project needs, under a call's rules. */
const matchConsortiumRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { records, partners, queries } = app.services
  const { embedder, vectors, graph, searchIndex, store } = app.parts
  const builder = new ConsortiumBuilder({ partners, index: searchIndex, queries, vectors, graph, db: store.db }, partners.concepts)

  app.post('/v1/match/consortium', {
    onRequest: app.requireScope('read'),
    // Each sought competency is matched as its own text (the model embeds it): a bounded number per client at once.
    preHandler: async (request, reply) => { await app.freeTextSlot(request, reply) },
    schema: { tags: ['match'], summary: 'Build a consortium: one partner per needed competency, under the call\'s rules', body: ConsortiumBody, response: withErrors({ 200: ConsortiumReply }) }
  }, async (request) => {
    const b = request.body
    const given = [b.organizationId, b.proposalId, b.text].filter((x) => x !== undefined).length
    if (given !== 1) throw new InvalidRequestError('body needs exactly one of organizationId, proposalId or text')
    const size = b.size === undefined ? { ...DEFAULT_SIZE } : typeof b.size === 'number' ? { min: b.size, max: b.size } : { ...b.size }
    if (size.min > size.max) throw fieldError(['size'], `min (${size.min}) is above max (${size.max})`)
    const include = [...new Set(b.include ?? [])]
    const exclude = [...new Set(b.exclude ?? [])]
    const both = include.filter((id) => exclude.includes(id))
    if (both.length > 0) throw fieldError(['include'], `and body.exclude both name ${both.join(', ')}`)
    const kinds = b.rules?.requiredKinds ?? []
    const twice = kinds.map((k) => k.kind).filter((k, i, all) => all.indexOf(k) !== i)
    if (twice.length > 0) throw fieldError(['rules', 'requiredKinds'], `names ${twice[0]} twice`)
    const rules: Rules = {
      size,
      minCountries: b.rules?.minCountries ?? 0,
      minEuCountries: b.rules?.minEuCountries ?? 0,
      requiredKinds: kinds.map((k) => ({ kind: k.kind, min: k.min ?? 1 })),
      onePerGroup: b.rules?.onePerGroup ?? false
    }
    if (rules.minCountries > size.max) throw fieldError(['rules', 'minCountries'], `(${rules.minCountries}) cannot be met by at most ${size.max} members (body.size)`)
    if (rules.minEuCountries > size.max) throw fieldError(['rules', 'minEuCountries'], `(${rules.minEuCountries}) cannot be met by at most ${size.max} members (body.size)`)
    const kindTotal = rules.requiredKinds.reduce((s, k) => s + k.min, 0)
    if (kindTotal > size.max) throw fieldError(['rules', 'requiredKinds'], `need ${kindTotal} members, more than the ${size.max} of body.size`)

    // The seeker, and its organisation as a member.
    let model = embedder.available ? embedder.model : null
    let seeker
    let member: SeekerMember | null = null
    if (b.text) {
      seeker = await seekerFromText(b.text, b.competencies ?? [], queries, vectors)
    } else {
      const kind = b.organizationId ? 'organizations' as const : 'proposals' as const
      const id = (b.organizationId ?? b.proposalId) as string
      const record = await records.get(kind, id)
      if (!record) throw recordNotFound(kind, id)
      seeker = await seekerFromRecord(kind, id, record.body, model, vectors, queries)
      const orgId = seeker.organizationId
      const org = kind === 'organizations' ? record : orgId ? await records.get('organizations', orgId) : null
      if (org && orgId) {
        const o = org.body as Record<string, unknown>
        member = { id: orgId, name: String(o.name ?? orgId), country: String(o.country ?? ''), kind: String(o.kind ?? ''), group: typeof o.group === 'string' ? o.group : null }
      }
      seeker = await withSought(seeker, b.competencies, seeker.semanticFallback ? null : model, vectors, queries, partners.concepts)
    }
    request.timing.mark('seeker')
    // A seeker that names no competency (a Horizon 2020 coordinator known by its name, country and
    // projects) still gets a team: from the partner ranking, collaborations and diversity alone.
    if (member && exclude.includes(member.id)) throw fieldError(['exclude'], `names the seeker organisation ${member.id}`)

    // Included and excluded organisations must exist; the included ones as stored.
    const stored = await storedOrganisations(store.db, [...include, ...exclude])
    for (const [field, ids] of [['include', include], ['exclude', exclude]] as const) {
      const missing = ids.find((id) => !stored.has(id))
      if (missing) throw recordNotFound('organizations', missing, `body.${field}: `)
    }
    const included: IncludedRecord[] = []
    for (const id of include) {
      if (id === member?.id) continue
      const o = (await records.get('organizations', id))?.body as Record<string, unknown> | undefined
      if (!o) throw recordNotFound('organizations', id, 'body.include: ')
      included.push({ id, name: String(o.name ?? id), country: String(o.country ?? ''), kind: String(o.kind ?? ''), group: typeof o.group === 'string' ? o.group : null })
    }
    const fixedCount = included.length + (member ? 1 : 0)
    if (fixedCount > size.max) throw fieldError(['include'], `makes ${fixedCount} members with the seeker, more than the ${size.max} of body.size`)
    // The rules must still be reachable with the places left after the fixed members.
    const fixedUnits: Unit[] = [...(member ? [member] : []), ...included].map((o) => ({ id: o.id, score: null, country: o.country, kind: o.kind, group: o.group, covers: new Map(), links: new Set() }))
    const fixedTeam = Team.of(fixedUnits, 0, fixedUnits.map((_, i) => i))
    if (rules.onePerGroup && fixedTeam.groups.size < fixedUnits.length) throw fieldError(['include'], 'names two organisations of one group, and body.rules.onePerGroup is true')
    const slots = size.max - fixedUnits.length
    if (needed(fixedTeam, rules) > slots) {
      const which = rules.minCountries - fixedTeam.countries.size > slots ? 'minCountries' : rules.minEuCountries - fixedTeam.euCountries.size > slots ? 'minEuCountries' : 'requiredKinds'
      throw fieldError(['rules', which], `cannot be met: the seeker and the included organisations leave ${slots} places (body.size max ${size.max})`)
    }

    if (seeker.semanticFallback) {
      request.log.debug({ reason: seeker.semanticFallback }, 'consortium on words only: the model did not answer')
      model = null
    }
    const answer = await builder.build({
      seeker,
      member,
      model,
      ...(b.programme ? { programme: b.programme } : {}),
      rules,
      asked: { minCountries: b.rules?.minCountries !== undefined, minEuCountries: b.rules?.minEuCountries !== undefined, onePerGroup: rules.onePerGroup },
      include: included,
      exclude,
      alternatives: b.alternatives ?? 3,
      explain: b.explain ?? false,
      timing: request.timing
    })
    const semanticMatching = model !== null && Object.keys(seeker.vectors).length > 0
    return {
      semanticMatching,
      ...noticeOf([!semanticMatching && 'MODEL_UNAVAILABLE'], noticeLanguage(request.headers['accept-language'])),
      ...answer
    }
  })
}

export default fp(matchConsortiumRoutes, { name: 'match-consortium-routes', dependencies: ['parts', 'services', 'auth'], fastify: '5.x' })
