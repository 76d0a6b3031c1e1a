import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'
import type { SearchIndex } from '../ports/search-index.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import type { RecordRepository } from '../records/record-repository.ts'
import type { PersonFeedback } from '../records/feedback-store.ts'
import { contentHash, facetTexts, phraseHash, phrasesOf, type Facet } from '../domain/facets.ts'
import type { Kind } from '../domain/kinds.ts'
import { reciprocalRankFusion } from '../search/fusion.ts'
import type { DocFields, Filter, RetrievalQuery, RetrievalResult, SemanticQuery } from '../ports/retrieval.ts'
import { dot, diversify, jaccard, unitScale, weightedScore, weightedSum, type RecommendationFeature } from './features.ts'
import type { PhaseMarks } from './phase-marks.ts'
import { PhraseJudge } from './phrase-judge.ts'
import { defaultConcepts, type Concepts } from '../concepts/concepts.ts'
import { evidenceText } from './partner-matcher.ts'
import { takeTurn } from '../loop-turns.ts'
import type { OpportunityKind, Recommendation } from './match-schemas.ts'

export type { OpportunityKind, Recommendation }

export interface RecommendQuery {
  personId: string
  person: Record<string, any>
  kinds: readonly OpportunityKind[]
  feedback: PersonFeedback
  excludeShown: boolean
  model: string | null
  now: Date
  /** How many results are served (offset + limit): only these are diversified one by one. */
  depth?: number
  /** Marks the phases as they end (seeker, retrieve, rank): the route's Server-Timing header. */
  timing?: PhaseMarks
}

const POOL = 60

/**
 * Open opportunities for a person, from their interests, expertise, their organisation's
 * competencies and their feedback: retrieve per kind, fuse, re-rank with explicit features,
 * then diversify (maximal marginal relevance) so a page is not ten near-duplicates.
 */
export class Recommender {
  constructor (
    private readonly db: Kysely<Database>,
    private readonly index: SearchIndex,
    private readonly cache: VectorCache,
    private readonly repo: RecordRepository,
    weights: Record<RecommendationFeature, number>,
    private readonly concepts: Concepts = defaultConcepts()
  ) {
    this.weights = unitScale(weights)
  }

  /** The weights as applied (unit scale: a score is within [0, 1]). */
  private readonly weights: Record<RecommendationFeature, number>

  /** The served depth, diversified and explained (all of it by default), and how many items were ranked. */
  async recommend (q: RecommendQuery): Promise<{ results: Recommendation[], total: number }> {
    const person = q.person
    const org = person.organizationId ? await this.repo.get('organizations', String(person.organizationId)) : null
    const mine = facetTexts('people', person)
    const orgTexts = org ? facetTexts('organizations', org.body) : {}
    const interests = phrasesOf('people', person).needs
    const engagedTexts = await this.engagedProfiles(q.feedback.engaged.slice(0, 20))
    const hashes = [...Object.values(mine), ...(orgTexts.competencies ? [orgTexts.competencies] : []), ...engagedTexts].map(contentHash)
    const stored = q.model ? await this.cache.getMany(q.model, [...hashes, ...interests.map(phraseHash)]) : new Map<string, Float32Array>()
    const vec = (text: string | undefined) => text ? stored.get(contentHash(text)) : undefined
    const interestVec = vec(mine.needs) ?? vec(mine.profile)
    const expertiseVec = vec(mine.competencies)
    const orgVec = vec(orgTexts.competencies)
    const taste = mean(engagedTexts.map((t) => stored.get(contentHash(t))).filter((v): v is Float32Array => !!v))

    // Lexically, the person's interests as phrases when they have them (as in partner matching: a
    // whole text as a query is mostly common words, each a long posting list); else their text.
    const lexicalText = interests.length > 0 ? interests.join('. ') : (mine.needs ?? mine.profile)
    const today = q.now.toISOString().slice(0, 10)
    const excluded = (kind: Kind) => [...q.feedback.dismissed, ...(q.excludeShown ? q.feedback.shown : [])]
      .filter((k) => k.startsWith(`${kind}/`)).map((k) => k.slice(kind.length + 1))
    const all: Candidate[] = []
    const personS3 = asList(person.s3Areas)

    // The kinds are independent: their retrievals go in one round trip, their vectors in one read.
    const retrievals = q.kinds.map((kind): RetrievalQuery => {
      const filter: Filter = {
        noneOf: { id: excluded(kind), visibility: ['private'], author_person_id: [q.personId], ...(org ? { author_organization_id: [org.id] } : {}) },
        ...(kind === 'proposals' ? { anyOf: { status: ['open'] }, dates: { deadline: { gte: today, orMissing: true } } } : {})
      }
      const semantic: SemanticQuery[] = []
      const add = (name: string, facet: Facet, v: Float32Array | undefined) => { if (v) semantic.push({ name, facet, vector: v }) }
      add('knn:interests', 'profile', interestVec)
      add('knn:engaged', 'profile', taste)
      if (kind === 'proposals') { add('knn:expertise', 'needs', expertiseVec); add('knn:organization', 'needs', orgVec) }
      return {
        kind,
        filter,
        ...(lexicalText ? { lexical: { text: lexicalText, fields: { title: 2, text: 1, needs_text: 1 } } } : {}),
        semantic,
        size: POOL
      }
    })
    q.timing?.mark('seeker')
    const found = await this.index.retrieveMany(retrievals)
    // Re-ranking is CPU on this thread: it waits for a turn of the loop of its own (loop-turns.ts).
    await takeTurn()
    q.timing?.mark('retrieve')
    const perKind = q.kinds.map((kind, k) => {
      const lists = (found[k] as RetrievalResult).lists
      const fused = reciprocalRankFusion(Object.values(lists))
      return { kind, lists, fused, docs: fused.map((f) => (found[k] as RetrievalResult).docs.get(f.id) as DocFields) }
    })
    // Scoring compares whole items (profile and needs facets); phrases are read only for the items served.
    const itemVectors = q.model ? await this.cache.getMany(q.model, perKind.flatMap((p) => p.docs.flatMap((d) => facetKeys(d, ['profile', 'needs'])))) : new Map<string, Float32Array>()
    for (const { kind, lists, fused, docs } of perKind) {
      if (fused.length === 0) continue
      const bestFusion = fused[0]?.score ?? 1
      const bm25 = new Map((lists.bm25 ?? []).map((h) => [h.id, h.score]))
      const bestBm25 = Math.max(0, ...bm25.values()) || 1
      fused.forEach((f, i) => {
        const d = docs[i] as DocFields
        const h = (d.facet_hashes as Record<string, string> | undefined) ?? {}
        const profile = itemVectors.get(h.profile ?? '')
        const needs = itemVectors.get(h.needs ?? '')
        const daysLeft = d.deadline ? Math.ceil((Date.parse(String(d.deadline)) - q.now.getTime()) / 86_400_000) : null
        const dated = d.date ?? d.updated_at
        const ageDays = dated ? Math.max(0, (q.now.getTime() - Date.parse(String(dated))) / 86_400_000) : 365
        const values: Record<RecommendationFeature, number> = {
          interest_fit: pos(cos(interestVec, profile)),
          expertise_fit: pos(cos(expertiseVec, needs)),
          organization_fit: pos(cos(orgVec, needs)),
          engagement: pos(cos(taste, profile)),
          lexical: (bm25.get(d.id) ?? 0) / bestBm25,
          fusion: f.score / bestFusion,
          shared_s3: jaccard(personS3, asList(d.s3_areas)),
          deadline: daysLeft !== null && daysLeft >= 0 && daysLeft <= 30 ? 1 - daysLeft / 30 : 0,
          freshness: kind === 'proposals' ? 0 : Math.exp(-ageDays / 90)
        }
        all.push({ kind, doc: d, values, daysLeft, score: round(weightedSum(values, this.weights)), vector: profile })
      })
    }
    all.sort((a, b) => b.score - a.score || (a.doc.id < b.doc.id ? -1 : 1))
    const depth = Math.min(q.depth ?? Infinity, all.length)
    const served = diversify(all, (x) => x.score, (x) => x.vector, 0.8, 0.6, depth).slice(0, depth)

    // Reasons for the served items: which of the person's interests each one meets, phrase by phrase.
    const itemPhrases = (d: DocFields) => [...asList(d.competencies), ...asList(d.needs), ...asList(d.tags)]
    const phraseVectors = q.model ? await this.cache.getMany(q.model, served.flatMap((x) => itemPhrases(x.doc).map(phraseHash))) : new Map<string, Float32Array>()
    // What a statement needs, for this model and these languages (phrase-judge.ts); whole-text fits
    // are stated only where the model's phrase calibration holds for the two texts' languages.
    const judge = new PhraseJudge(this.concepts, q.model)
    const personLang = this.concepts.majorityLanguage([...interests, ...asList(person.expertise)])
    const results = served.map(({ kind, doc: d, values, daysLeft, score }): Recommendation => {
      const theirs = itemPhrases(d)
      const matchedInterests = interests.flatMap((interest) => {
        const iv = stored.get(phraseHash(interest))
        let best: { interest: string, matched: string, similarity: number, strength: 'strong' | 'partial' | null, evidence?: 'words' | 'concept' | 'related-concept' | 'model', concept?: string } = { interest, matched: '', similarity: 0, strength: null }
        for (const p of theirs) {
          const j = judge.judge(interest, iv, p, phraseVectors.get(phraseHash(p)))
          const better = (j.strength !== null && best.strength === null) || ((j.strength !== null) === (best.strength !== null) && j.similarity > best.similarity)
          if (better) best = { interest, matched: p, similarity: round(Math.max(0, j.similarity)), strength: j.strength, ...(j.via ? { evidence: j.via } : {}), ...(j.concept ? { concept: j.concept } : {}) }
        }
        return best.strength ? [{ ...best, strength: best.strength }] : []
      })
      const bar = judge.trusts(personLang, this.concepts.majorityLanguage(theirs.length > 0 ? theirs : [String(d.title ?? '')]))
      const sharedS3 = asList(d.s3_areas).filter((a) => asList(person.s3Areas).includes(a))
      const likeEngaged = values.engagement >= 0.6
      const summary: string[] = []
      if (matchedInterests.length > 0) summary.push(`Matches your interests: ${matchedInterests.slice(0, 3).map((m) => `"${m.matched}" (for "${m.interest}", ${m.strength} match${evidenceText(m)})`).join(', ')}`)
      else if (bar && values.interest_fit >= bar.partial) summary.push('Close to your interests')
      if (bar && values.expertise_fit >= bar.partial) summary.push('Seeks expertise you have')
      if (bar && values.organization_fit >= bar.partial) summary.push("Seeks your organisation's competencies")
      if (likeEngaged) summary.push('Like items you engaged with')
      if (sharedS3.length > 0) summary.push(`In your S3 areas: ${sharedS3.join(', ')}`)
      if (daysLeft !== null && daysLeft <= 30) summary.push(`Deadline in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`)
      return {
        kind,
        id: d.id,
        score,
        title: String(d.title ?? d.id),
        ...(d.deadline ? { deadline: String(d.deadline) } : {}),
        reasons: { matchedInterests, sharedS3Areas: sharedS3, daysToDeadline: daysLeft, likeEngaged, summary },
        features: weightedScore(values, this.weights).features
      }
    })
    q.timing?.mark('rank')
    return { results, total: all.length }
  }

  private async engagedProfiles (keys: readonly string[]): Promise<string[]> {
    const texts: string[] = []
    for (const key of keys) {
      const [kind, id] = key.split('/') as [Kind, string]
      const record = await this.repo.get(kind, id)
      const profile = record ? facetTexts(kind, record.body).profile : undefined
      if (profile) texts.push(profile)
    }
    return texts
  }
}

/** An item on its way through re-ranking. */
interface Candidate {
  kind: OpportunityKind
  doc: DocFields
  values: Record<RecommendationFeature, number>
  daysLeft: number | null
  score: number
  vector: Float32Array | undefined
}

function facetKeys (d: DocFields, facets: readonly Facet[]): string[] {
  const h = (d.facet_hashes as Record<string, string> | undefined) ?? {}
  return facets.flatMap((f) => h[f] ? [h[f]] : [])
}

function asList (v: unknown): string[] { return Array.isArray(v) ? v.map(String) : [] }
function cos (a?: Float32Array, b?: Float32Array): number { return a && b ? dot(a, b) : 0 }
function pos (x: number): number { return Math.max(0, x) }
function round (x: number): number { return Math.round(x * 10_000) / 10_000 }

function mean (vectors: Float32Array[]): Float32Array | undefined {
  if (vectors.length === 0) return undefined
  const out = new Float32Array((vectors[0] as Float32Array).length)
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (v[i] as number)
  let norm = 0
  for (let i = 0; i < out.length; i++) norm += (out[i] as number) ** 2
  norm = Math.sqrt(norm) || 1
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / norm
  return out
}
