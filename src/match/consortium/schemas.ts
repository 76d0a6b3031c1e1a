import { Type, type Static } from '@sinclair/typebox'
import { Id, Phrase } from '../../domain/common.ts'
import { OrganizationKind } from '../../domain/records.ts'
import { PartnerResult } from '../match-schemas.ts'
import { NoticeFields } from '../../notices.ts'

/** The most members a consortium has, the seeker included (and the fewest). */
export const MAX_SIZE = 20
export const MIN_SIZE = 2
/** The default size: at least three (Horizon Europe's minimum for collaborative actions), at most eight. */
export const DEFAULT_SIZE = { min: 3, max: 8 } as const

const SizeInt = Type.Integer({ minimum: MIN_SIZE, maximum: MAX_SIZE })

export const ConsortiumBody = Type.Object({
  organizationId: Type.Optional(Id),
  proposalId: Type.Optional(Id),
  text: Type.Optional(Type.String({ minLength: 3, maxLength: 5000, description: 'What the project needs, in your words (no seeker member).' })),
  competencies: Type.Optional(Type.Array(Phrase, {
    minItems: 1,
    maxItems: 30,
    description: 'The competencies the consortium must cover. With `text`: besides the concepts the text names; with `organizationId`: default the organisation\'s `needs`; with `proposalId`: default the proposal\'s `seeks`. Where none are given or stored, the concepts the seeker\'s texts name.'
  })),
  programme: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Programme area the consortium is for (e.g. "H2020 LEIT"): its most active organisations become candidates.' })),
  size: Type.Optional(Type.Union([
    SizeInt,
    Type.Object({ min: SizeInt, max: SizeInt }, { additionalProperties: false })
  ], { description: `Members, the seeker organisation included (a proposal's author organisation; free text has none): an exact number or { min, max }, ${MIN_SIZE} to ${MAX_SIZE}. Default { min: ${DEFAULT_SIZE.min}, max: ${DEFAULT_SIZE.max} }: a member joins beyond the minimum only when it adds more than it costs.` })),
  rules: Type.Optional(Type.Object({
    minCountries: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SIZE, description: 'Distinct countries among the members.' })),
    minEuCountries: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SIZE, description: 'Distinct EU member states or Horizon Europe associated countries (src/match/consortium/countries.ts).' })),
    requiredKinds: Type.Optional(Type.Array(Type.Object({
      kind: OrganizationKind,
      min: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SIZE, default: 1 }))
    }, { additionalProperties: false }), { maxItems: 6 })),
    onePerGroup: Type.Optional(Type.Boolean({ default: false, description: 'At most one member per organisation group (the organisations\' `group`).' }))
  }, { additionalProperties: false })),
  include: Type.Optional(Type.Array(Id, { maxItems: MAX_SIZE - 1, description: 'Organisations that must be members.' })),
  exclude: Type.Optional(Type.Array(Id, { maxItems: 500, description: 'Organisations that must not be members.' })),
  alternatives: Type.Optional(Type.Integer({ minimum: 0, maximum: 3, default: 3, description: 'Alternatives stated for each proposed member.' })),
  explain: Type.Optional(Type.Boolean({ default: false, description: 'Each member\'s feature contributions and the objective term by term.' }))
}, { additionalProperties: false })
export type ConsortiumBody = Static<typeof ConsortiumBody>

const Gain = Type.Object({
  objective: Type.Number({ description: 'What the member adds to the objective of the members listed before it: the gains add up to `objective`.' }),
  covers: Type.Array(Type.String(), { description: 'Sought competencies it covers that no earlier member covers.' }),
  countries: Type.Array(Type.String(), { description: 'Its country, when no earlier member is from there.' }),
  kinds: Type.Array(Type.String(), { description: 'Its kind, when no earlier member is of that kind.' }),
  collaborations: Type.Array(Type.String(), { description: 'Earlier members it carried out a project with.' })
})

const Alternative = Type.Object({
  organizationId: Type.String(),
  name: Type.String(),
  country: Type.String(),
  kind: Type.String(),
  score: Type.Number(),
  covers: Type.Array(Type.String()),
  change: Type.Object({
    objective: Type.Number({ description: 'The objective of the team with this organisation in the member\'s place, minus the team\'s.' }),
    coverageGained: Type.Array(Type.String()),
    coverageLost: Type.Array(Type.String()),
    rulesBroken: Type.Array(Type.String({ description: 'A rule the team meets that the swap would break (requiredKind:<kind> for a kind).' }))
  })
})

export const ConsortiumMember = Type.Object({
  organizationId: Type.String(),
  name: Type.String(),
  country: Type.String(),
  kind: Type.String(),
  role: Type.Union([Type.Literal('seeker'), Type.Literal('included'), Type.Literal('proposed')]),
  score: Type.Union([Type.Number(), Type.Null()], { description: 'The partner ranker\'s score against the seeker (null for the seeker).' }),
  covers: Type.Array(Type.String(), { description: 'Sought competencies this member covers (a stated match among its competencies).' }),
  reasons: PartnerResult.properties.reasons,
  features: Type.Optional(PartnerResult.properties.features),
  gain: Gain,
  alternatives: Type.Array(Alternative, { description: 'Proposed members only: the best swaps, those breaking no rule first.' })
})

export const RuleResult = Type.Object({
  rule: Type.Union(['size', 'minCountries', 'minEuCountries', 'requiredKind', 'onePerGroup', 'include'].map((r) => Type.Literal(r))),
  required: Type.Integer({ description: 'size: the minimum; onePerGroup: 1 (at most one per group); include: organisations named; else the minimum count.' }),
  actual: Type.Integer({ description: 'size: members; onePerGroup: the most members of one group; include: those named that are members.' }),
  met: Type.Boolean(),
  kind: Type.Optional(Type.String({ description: 'requiredKind: the kind.' })),
  detail: Type.Optional(Type.String())
})

export const ConsortiumReply = Type.Object({
  semanticMatching: Type.Boolean({ description: 'Whether the model compared meanings (false: words only).' }),
  ...NoticeFields,
  method: Type.Union([Type.Literal('exact'), Type.Literal('greedy')], { description: 'exact: branch and bound proved the team best for the objective; greedy: greedy with repair and swaps, `bound` above the best.' }),
  objective: Type.Number(),
  bound: Type.Optional(Type.Number({ description: 'An upper bound on the best objective of a team meeting the rules (equal to `objective` when exact).' })),
  members: Type.Array(ConsortiumMember),
  coverage: Type.Object({
    sought: Type.Array(Type.Object({ competency: Type.String(), coveredBy: Type.Array(Type.String()) })),
    uncovered: Type.Array(Type.String()),
    share: Type.Number({ description: 'Share of the sought competencies some member covers.' })
  }),
  rules: Type.Array(RuleResult),
  terms: Type.Optional(Type.Object({
    scores: Type.Number(),
    coverage: Type.Number(),
    collaborations: Type.Number(),
    countries: Type.Number(),
    kinds: Type.Number(),
    memberCost: Type.Number()
  }, { description: 'explain=true: the objective term by term (docs/ranking.md, "Consortium building").' }))
})
export type ConsortiumReply = Static<typeof ConsortiumReply>
