import { Type, type Static } from '@sinclair/typebox'
import { Country, S3Area, SectorCode } from '../domain/common.ts'
import { OrganizationKind, OrganizationSize } from '../domain/records.ts'

/**
 * What matching answers, as JSON schemas: the routes declare them (request validation, fast
 * response serialisation, the OpenAPI document) and the matchers' result types are derived from
 * them, so the two cannot drift apart.
 */

export const PartnerMode = Type.Union([Type.Literal('similar'), Type.Literal('complementary'), Type.Literal('reciprocal')], { default: 'complementary' })
export type PartnerMode = Static<typeof PartnerMode>

export const PartnerFilters = Type.Object({
  kinds: Type.Optional(Type.Array(OrganizationKind, { maxItems: 6 })),
  countries: Type.Optional(Type.Array(Country, { maxItems: 60 })),
  regions: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
  s3Areas: Type.Optional(Type.Array(S3Area, { maxItems: 20 })),
  sectors: Type.Optional(Type.Array(SectorCode, { maxItems: 50 })),
  sizes: Type.Optional(Type.Array(OrganizationSize, { maxItems: 4 }))
}, { additionalProperties: false })
export type PartnerFilters = Static<typeof PartnerFilters>

export const MatchStrength = Type.Union([Type.Literal('strong'), Type.Literal('partial')], {
  description: 'What the similarity means for the model in use: only strong and partial matches are stated.'
})

export const PhraseMatch = Type.Object({
  sought: Type.String(),
  matched: Type.String(),
  similarity: Type.Number({ description: 'How close the two phrases are (1: the same phrase or concept; else the cosine of their vectors).' }),
  strength: MatchStrength,
  evidence: Type.Optional(Type.Union([Type.Literal('words'), Type.Literal('concept'), Type.Literal('related-concept'), Type.Literal('model')], {
    description: 'What the statement rests on: the same words, the same concept of the termbase (in any language), related concepts, or the model\'s similarity where its calibration for the two languages holds.'
  })),
  concept: Type.Optional(Type.String({ description: 'The concept id the evidence rests on (GET /v1/concepts/{id}).' }))
})
export type PhraseMatch = Static<typeof PhraseMatch>

/** Each feature's value, its weight as applied, and their product (explain=true). */
export const FeatureContributions = Type.Record(Type.String(), Type.Object({
  value: Type.Number(),
  weight: Type.Number(),
  contribution: Type.Number()
}), { description: 'Present with explain=true: each feature\'s value, its weight as applied, and their product; the score is their sum.' })
export type FeatureContributions = Static<typeof FeatureContributions>

export const PartnerResult = Type.Object({
  id: Type.String(),
  score: Type.Number({ description: 'Within [0, 1].' }),
  name: Type.String(),
  kind: Type.String(),
  country: Type.Optional(Type.String()),
  region: Type.Optional(Type.String()),
  reasons: Type.Object({
    matched: Type.Array(PhraseMatch, { description: 'Your phrases (what you seek, or have in similar mode) met by theirs.' }),
    matchedBack: Type.Array(PhraseMatch, { description: 'Reciprocal mode: what they seek that you offer.' }),
    sharedS3Areas: Type.Array(Type.String()),
    sharedSectors: Type.Array(Type.String()),
    sameRegion: Type.Boolean(),
    pastProjects: Type.Array(Type.String()),
    sharedPartners: Type.Integer(),
    programmes: Type.Array(Type.String()),
    summary: Type.Array(Type.String(), { description: 'The same, in sentences the portal can show.' })
  }),
  features: Type.Optional(FeatureContributions)
})
export type PartnerResult = Static<typeof PartnerResult>

export const PersonCandidate = Type.Object({
  id: Type.String(),
  score: Type.Number(),
  name: Type.String(),
  organizationId: Type.Optional(Type.String()),
  reasons: Type.Object({
    matched: Type.Array(PhraseMatch, { description: 'What the proposal seeks (sought) met by their expertise (matched).' }),
    matchedBack: Type.Array(PhraseMatch, { description: 'What the proposal offers (sought) met by their interests (matched).' }),
    interested: Type.Boolean(),
    sharedS3Areas: Type.Array(Type.String()),
    summary: Type.Array(Type.String())
  }),
  features: Type.Optional(FeatureContributions)
})
export type PersonCandidate = Static<typeof PersonCandidate>

export const Candidate = Type.Union([
  Type.Composite([Type.Object({ type: Type.Literal('organization') }), PartnerResult]),
  Type.Composite([Type.Object({ type: Type.Literal('person') }), PersonCandidate])
])
export type Candidate = Static<typeof Candidate>

export const OpportunityKind = Type.Union([Type.Literal('proposals'), Type.Literal('communities'), Type.Literal('content')])
export type OpportunityKind = Static<typeof OpportunityKind>

export const Recommendation = Type.Object({
  kind: OpportunityKind,
  id: Type.String(),
  score: Type.Number(),
  title: Type.String(),
  deadline: Type.Optional(Type.String()),
  reasons: Type.Object({
    matchedInterests: Type.Array(Type.Object({ interest: Type.String(), matched: Type.String(), similarity: Type.Number(), strength: MatchStrength, evidence: Type.Optional(PhraseMatch.properties.evidence), concept: Type.Optional(Type.String()) })),
    matchedExpertise: Type.Array(Type.Object({ expertise: Type.String(), matched: Type.String(), similarity: Type.Number(), strength: MatchStrength, evidence: Type.Optional(PhraseMatch.properties.evidence), concept: Type.Optional(Type.String()) }), {
      description: 'Your expertise met by the item: a proposal\'s sought phrases, a community\'s or content item\'s tags or title.'
    }),
    sharedS3Areas: Type.Array(Type.String()),
    daysToDeadline: Type.Union([Type.Number(), Type.Null()]),
    likeEngaged: Type.Boolean(),
    summary: Type.Array(Type.String())
  }),
  features: Type.Optional(FeatureContributions)
})
export type Recommendation = Static<typeof Recommendation>
