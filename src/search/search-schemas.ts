import { Type, type Static } from '@sinclair/typebox'
import { Country, S3Area } from '../domain/common.ts'
import type { KeywordField } from '../ports/retrieval.ts'

/** What GET /v1/search takes and answers: the route declares these, the hybrid search derives its types from them. */

export const SEARCHABLE = ['organizations', 'people', 'proposals', 'projects', 'communities', 'content'] as const
export const FACET_FIELDS: readonly KeywordField[] = ['country', 'region', 's3_areas', 'sectors', 'org_kind', 'size', 'type', 'status', 'programme', 'tags', 'concepts']

/** The query parameters without paging (routes/common/paging.ts adds it). */
export const SearchQuery = Type.Object({
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Words to search, Italian or English.' })),
  kinds: Type.Optional(Type.Array(Type.Union(SEARCHABLE.map((k) => Type.Literal(k))), { maxItems: 6, description: 'Comma-separated; default organizations,proposals.' })),
  country: Type.Optional(Type.Array(Country, { maxItems: 60 })),
  region: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
  s3Area: Type.Optional(Type.Array(S3Area, { maxItems: 20 })),
  orgKind: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 6 })),
  type: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10, description: 'Proposal or content type.' })),
  status: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 3, description: 'Proposal status; default open (closed and draft proposals are hidden unless asked for).' })),
  lang: Type.Optional(Type.Union([Type.Literal('it'), Type.Literal('en')], { default: 'it', description: 'The language concept facets are labelled in.' })),
  includeExpired: Type.Optional(Type.Boolean({ default: false, description: 'Also proposals whose deadline has passed (hidden by default).' })),
  facets: Type.Optional(Type.Array(Type.Union(FACET_FIELDS.map((f) => Type.Literal(f))), { maxItems: 10, description: 'Fields to count values of.' })),
  moreLikeThis: Type.Optional(Type.String({ pattern: '^(organizations|people|proposals|projects|communities|content):[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$', description: 'kind:id of a stored record: find records like it.' }))
}, { additionalProperties: false })
export type SearchQuery = Static<typeof SearchQuery>

/** Query parameters that take a comma-separated list. */
export const SEARCH_LIST_PARAMS = ['kinds', 'country', 'region', 's3Area', 'orgKind', 'type', 'status', 'facets'] as const

export const SearchHit = Type.Object({
  kind: Type.String(),
  id: Type.String(),
  score: Type.Number({ description: 'The fused z-score through a logistic: within (0, 1), 0.5 = as good as the average candidate of its lists.' }),
  title: Type.String(),
  highlights: Type.Record(Type.String(), Type.String(), { description: 'Fragments of title, text and competencies with the query words in <em>.' }),
  fields: Type.Record(Type.String(), Type.Unknown(), { description: 'The indexed document\'s fields.' })
})
export type SearchHit = Static<typeof SearchHit>

export const FacetValues = Type.Record(Type.String(), Type.Array(Type.Object({ value: Type.String(), count: Type.Integer(), label: Type.Optional(Type.String({ description: 'For concepts: the concept\'s label in `lang`.' })) })))
