/**
 * What the routes that declare no response schema yet return, written from their code
 * (src/routes/*.ts, src/match/*.ts). `Success<…>` in index.ts uses a type from here only while the
 * OpenAPI document has no schema for that response: once a route declares one, the generated type
 * (api-types.ts) replaces it and the compiler checks the client's users against the real schema.
 */

export type Scope = 'read' | 'write' | 'admin'

/** A phrase of the seeker (`sought`) met by a phrase of the result (`matched`). */
export interface PhraseMatch {
  sought: string
  matched: string
  /** The cosine of the two phrases (1: the same phrase). */
  similarity: number
  strength: 'strong' | 'partial'
}

/** One term of a score: the feature's value, the weight applied (unit-scaled) and their product. */
export interface FeatureTerm {
  value: number
  weight: number
  contribution: number
}

export type FeatureTerms = Record<string, FeatureTerm | undefined>

export interface SearchHit {
  kind: string
  id: string
  score: number
  title: string
  /** Field → fragment with the matched words in `<em>` (the rest HTML-escaped). */
  highlights: Record<string, string>
  fields: Record<string, unknown>
}

export interface SearchResponse {
  results: SearchHit[]
  facets: Record<string, Array<{ value: string, count: number }>>
  semanticMatching: boolean
  notice?: string
  nextCursor: string | null
}

export interface PartnerReasons {
  matched: PhraseMatch[]
  /** Reciprocal mode: what they seek (`matched`) that you offer (`sought`). */
  matchedBack: PhraseMatch[]
  sharedS3Areas: string[]
  sharedSectors: string[]
  sameRegion: boolean
  pastProjects: string[]
  sharedPartners: number
  programmes: string[]
  summary: string[]
}

export interface PartnerResult {
  id: string
  score: number
  name: string
  kind: string
  country?: string
  region?: string
  reasons: PartnerReasons
  /** Only with `explain: true`. */
  features?: FeatureTerms
}

export interface PartnerMatchResponse {
  mode: 'similar' | 'complementary' | 'reciprocal'
  semanticMatching: boolean
  notice?: string
  results: PartnerResult[]
  nextCursor: string | null
}

export interface Recommendation {
  kind: 'proposals' | 'communities' | 'content'
  id: string
  score: number
  title: string
  deadline?: string
  reasons: {
    matchedInterests: Array<{ interest: string, matched: string, similarity: number, strength: 'strong' | 'partial' }>
    sharedS3Areas: string[]
    daysToDeadline: number | null
    likeEngaged: boolean
    summary: string[]
  }
  features?: FeatureTerms
}

export interface RecommendationsResponse {
  results: Recommendation[]
  nextCursor: string | null
}

export interface PersonCandidate {
  type: 'person'
  id: string
  score: number
  name: string
  organizationId?: string
  reasons: { matched: PhraseMatch[], interested: boolean, sharedS3Areas: string[], summary: string[] }
  features?: FeatureTerms
}

export type Candidate = ({ type: 'organization' } & PartnerResult) | PersonCandidate

export interface CandidatesResponse {
  results: Candidate[]
  nextCursor: string | null
}

/** GET /console/session (the console's own route, not part of the API document). */
export interface ConsoleSession {
  /** The scope the presented key grants; every scope (`admin`) when API_KEYS is not set; null for no key or an unknown one. */
  scope: Scope | null
  /** Whether the service checks API keys (API_KEYS is set). */
  keyRequired: boolean
}
