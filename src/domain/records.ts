import { Type, type Static } from '@sinclair/typebox'
import { Country, ID_PATTERN, Id, LongText, Phrases, Phrase, S3Area, SectorCode, Title, record } from './common.ts'

export const OrganizationKind = Type.Union(
  ['company', 'university', 'research_centre', 'public_body', 'association', 'other'].map((k) => Type.Literal(k)))
export const OrganizationSize = Type.Union(['micro', 'small', 'medium', 'large'].map((k) => Type.Literal(k)))

export const Organization = record('Organization', {
  name: Title,
  kind: OrganizationKind,
  size: Type.Optional(OrganizationSize),
  country: Country,
  region: Type.Optional(Type.String({ maxLength: 100 })),
  province: Type.Optional(Type.String({ maxLength: 100 })),
  sectors: Type.Optional(Type.Array(SectorCode, { maxItems: 50 })),
  s3Areas: Type.Optional(Type.Array(S3Area, { maxItems: 20 })),
  description: Type.Optional(LongText),
  competencies: Type.Optional(Phrases),
  competenciesText: Type.Optional(LongText),
  needs: Type.Optional(Phrases),
  needsText: Type.Optional(LongText),
  results: Type.Optional(LongText),
  projects: Type.Optional(Type.Array(Id, { maxItems: 1000, description: 'Ids of projects carried out.' })),
  group: Type.Optional(Type.String({ pattern: ID_PATTERN, description: 'Id of the organisation group it belongs to (e.g. its parent company): a consortium with rules.onePerGroup takes at most one member per group.' }))
})

export const Person = record('Person', {
  name: Type.Optional(Title),
  organizationId: Type.Optional(Id),
  role: Type.Optional(Type.String({ maxLength: 200 })),
  interests: Type.Optional(Phrases),
  interestsText: Type.Optional(LongText),
  expertise: Type.Optional(Phrases),
  s3Areas: Type.Optional(Type.Array(S3Area, { maxItems: 20 })),
  languages: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z]{2}$' }), { maxItems: 20 })),
  optOut: Type.Optional(Type.Boolean({ default: false, description: 'Never recommend this person to others.' }))
})

export const ProposalKind = Type.Union(
  ['collaboration', 'expression_of_interest', 'partnership_request', 'technology_offer', 'technology_request', 'challenge', 'een_partner_search']
    .map((k) => Type.Literal(k)))

export const Proposal = record('Proposal', {
  kind: ProposalKind,
  title: Title,
  body: Type.Optional(LongText),
  offers: Type.Optional(Phrases),
  offersText: Type.Optional(LongText),
  seeks: Type.Optional(Phrases),
  seeksText: Type.Optional(LongText),
  s3Areas: Type.Optional(Type.Array(S3Area, { maxItems: 20 })),
  sectors: Type.Optional(Type.Array(SectorCode, { maxItems: 50 })),
  countriesSought: Type.Optional(Type.Array(Country, { maxItems: 60 })),
  deadline: Type.Optional(Type.String({ format: 'date' })),
  status: Type.Optional(Type.Union(['open', 'closed', 'draft'].map((k) => Type.Literal(k)), { default: 'open' })),
  authorPersonId: Type.Optional(Id),
  authorOrganizationId: Type.Optional(Id),
  origin: Type.Optional(Type.Union([Type.Literal('territory'), Type.Literal('international')]))
})

export const Project = record('Project', {
  title: Title,
  summary: Type.Optional(LongText),
  programme: Type.Optional(Type.String({ maxLength: 200, description: 'Programme or area, e.g. "H2020 SC1" or "LEIT".' })),
  start: Type.Optional(Type.String({ format: 'date' })),
  end: Type.Optional(Type.String({ format: 'date' })),
  participants: Type.Optional(Type.Array(Type.Object({
    organizationId: Id,
    role: Type.Union(['coordinator', 'participant', 'partner', 'other'].map((k) => Type.Literal(k)))
  }, { additionalProperties: false }), { maxItems: 500 }))
})

export const Community = record('Community', {
  title: Title,
  text: Type.Optional(LongText),
  tags: Type.Optional(Phrases),
  s3Areas: Type.Optional(Type.Array(S3Area, { maxItems: 20 }))
})

export const Content = record('Content', {
  type: Type.Union([Type.Literal('news'), Type.Literal('discussion')]),
  title: Title,
  text: Type.Optional(LongText),
  tags: Type.Optional(Type.Array(Phrase, { maxItems: 100 })),
  communityId: Type.Optional(Id),
  date: Type.Optional(Type.String({ format: 'date' }))
})

export type Organization = Static<typeof Organization>
export type Person = Static<typeof Person>
export type Proposal = Static<typeof Proposal>
export type Project = Static<typeof Project>
export type Community = Static<typeof Community>
export type Content = Static<typeof Content>
