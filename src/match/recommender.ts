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
 * Places per block of the page: in every block of this many places, each kind asked for gets at least
 * one while items of it that fit the person remain (see `mergeKinds`).
 */
const BLOCK = 10

/**
 * Open opportunities for a person, from their interests, expertise, their organisation's
 * competencies and their feedback: retrieve per kind, fuse, re-rank with explicit features,
 * diversify each kind (maximal marginal relevance) so a page is not ten near-duplicates, then merge
 * the kinds by score with a place for each kind in every block of ten.
 *
 * A community or a content item is recommended only where it fits the person's fields: one of
 * their interests or expertise met by one of its tags (the same words or concept, in any language
 * pair, or the model where its calibration holds), named in its title (the same words or concept),
 * or whole-text closeness where the model's calibration holds for the two languages. Its S3 area
 * alone is no fit: the demo's areas are broad ("Manifattura avanzata" holds space and AI alike).
 * Proposals have two more features (what they seek against your expertise and your organisation's
 * competencies), so on one scale they always came first; hence the places per block.
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
    const personPhrases = phrasesOf('people', person)
    const interests = personPhrases.needs
    const expertise = personPhrases.competencies.filter((e) => !interests.includes(e))
    const engagedTexts = await this.engagedProfiles(q.feedback.engaged.slice(0, 20))
    const hashes = [...Object.values(mine), ...(orgTexts.competencies ? [orgTexts.competencies] : []), ...engagedTexts].map(contentHash)
    const stored = q.model ? await this.cache.getMany(q.model, [...hashes, ...interests.map(phraseHash), ...expertise.map(phraseHash)]) : new Map<string, Float32Array>()
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
    // Scoring compares whole items (profile and needs facets); a proposal's phrases are read only for
    // the items served, a community's or content item's tags for all (they decide whether it fits).
    const tagged = perKind.filter((p) => p.kind !== 'proposals').flatMap((p) => p.docs.flatMap((d) => asList(d.tags).map(phraseHash)))
    const itemVectors = q.model ? await this.cache.getMany(q.model, [...perKind.flatMap((p) => p.docs.flatMap((d) => facetKeys(d, ['profile', 'needs']))), ...tagged]) : new Map<string, Float32Array>()
    // What a statement needs, for this model and these languages (phrase-judge.ts); whole-text fits
    // are stated only where the model's phrase calibration holds for the two texts' languages.
    const judge = new PhraseJudge(this.concepts, q.model)
    const personLang = this.concepts.majorityLanguage([...interests, ...expertise])
    const fields: PersonFields = { interests, expertise, stored, judge, personLang, concepts: this.concepts, words: new Map([...interests, ...expertise].map((p) => [p, ` ${plain(p)} `])) }
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
        const c: Candidate = { kind, doc: d, values, daysLeft, score: round(weightedSum(values, this.weights)), vector: profile }
        // A community or content item only where it fits the person's fields (see the class comment).
        if (kind !== 'proposals') {
          c.fit = fieldFit(d, asList(d.tags), itemVectors, values.interest_fit, fields)
          if (!c.fit.fits) return
        }
        all.push(c)
      })
    }
    const depth = Math.min(q.depth ?? Infinity, all.length)
    // Each kind diversified on its own (near-duplicates are within a kind), then merged with places
    // per kind, in whole blocks: the first `depth` items are the same at any depth, so cursor pages
    // stay consistent.
    const blocks = Math.ceil(depth / BLOCK) * BLOCK
    const byKind = q.kinds.map((kind) => {
      const items = all.filter((c) => c.kind === kind).sort((a, b) => b.score - a.score || (a.doc.id < b.doc.id ? -1 : 1))
      return diversify(items, (x) => x.score, (x) => x.vector, 0.8, 0.6, blocks)
    })
    const served = mergeKinds(byKind, BLOCK, blocks).slice(0, depth)

    // Reasons for the served proposals: which of the person's interests and expertise each one meets,
    // phrase by phrase (communities and content were judged when they were found to fit).
    const proposalPhrases = (d: DocFields) => [...asList(d.competencies), ...asList(d.needs), ...asList(d.tags)]
    const phraseVectors = q.model ? await this.cache.getMany(q.model, served.filter((x) => x.kind === 'proposals').flatMap((x) => proposalPhrases(x.doc).map(phraseHash))) : new Map<string, Float32Array>()
    const results = served.map(({ kind, doc: d, values, daysLeft, score, fit }): Recommendation => {
      const theirs = kind === 'proposals' ? proposalPhrases(d) : asList(d.tags)
      // A proposal's seeks are what your expertise can meet; its offers and tags are what you may be interested in.
      const { matchedInterests, matchedExpertise } = fit ?? {
        matchedInterests: bestPairs(interests, theirs, stored, phraseVectors, judge),
        matchedExpertise: bestPairs(expertise, asList(d.needs), stored, phraseVectors, judge)
      }
      const bar = judge.trusts(personLang, this.concepts.majorityLanguage(theirs.length > 0 ? theirs : [String(d.title ?? '')]))
      const sharedS3 = asList(d.s3_areas).filter((a) => asList(person.s3Areas).includes(a))
      const likeEngaged = values.engagement >= 0.6
      const summary: string[] = []
      const pairs = (ms: readonly PairMatch[]) => ms.slice(0, 3).map((m) => `"${m.matched}" (for "${m.mine}", ${m.strength} match${evidenceText(m)})`).join(', ')
      if (matchedInterests.length > 0) summary.push(`Matches your interests: ${pairs(matchedInterests)}`)
      else if (bar && values.interest_fit >= bar.partial) summary.push('Close to your interests')
      if (matchedExpertise.length > 0) summary.push(`${kind === 'proposals' ? 'Seeks your expertise' : 'Matches your expertise'}: ${pairs(matchedExpertise)}`)
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
        reasons: {
          matchedInterests: matchedInterests.map(({ mine, ...m }) => ({ interest: mine, ...m })),
          matchedExpertise: matchedExpertise.map(({ mine, ...m }) => ({ expertise: mine, ...m })),
          sharedS3Areas: sharedS3,
          daysToDeadline: daysLeft,
          likeEngaged,
          summary
        },
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
  /** A community's or content item's fit to the person's fields (proposals: none). */
  fit?: Fit
}

/** One of the person's phrases (an interest or an expertise) and what of the item met it, stated. */
interface PairMatch { mine: string, matched: string, similarity: number, strength: 'strong' | 'partial', evidence?: 'words' | 'concept' | 'related-concept' | 'model', concept?: string }

interface Fit { fits: boolean, matchedInterests: PairMatch[], matchedExpertise: PairMatch[] }

/** What judging an item against the person's fields reads, once per request. */
interface PersonFields {
  interests: string[]
  expertise: string[]
  stored: Map<string, Float32Array>
  judge: PhraseJudge
  personLang: ReturnType<Concepts['majorityLanguage']>
  concepts: Concepts
  /** Each of the person's phrases as plain words between spaces (`plain`), worked out once per request. */
  words: Map<string, string>
}

/** For each of the person's phrases, its best stated counterpart among the item's phrases (none: left out). */
function bestPairs (mine: readonly string[], theirs: readonly string[], stored: Map<string, Float32Array>, vectors: Map<string, Float32Array>, judge: PhraseJudge, theirVectors = vectorsOf(theirs, vectors)): PairMatch[] {
  if (theirs.length === 0) return []
  return mine.flatMap((phrase) => {
    const pv = stored.get(phraseHash(phrase))
    let best: PairMatch | null = null
    for (let i = 0; i < theirs.length; i++) {
      const p = theirs[i] as string
      const j = judge.judge(phrase, pv, p, theirVectors[i])
      if (j.strength === null) continue
      const better = best === null || (j.strength === 'strong' && best.strength === 'partial') || (j.strength === best.strength && j.similarity > best.similarity)
      if (better) best = { mine: phrase, matched: p, similarity: round(Math.max(0, j.similarity)), strength: j.strength, ...(j.via ? { evidence: j.via } : {}), ...(j.concept ? { concept: j.concept } : {}) }
    }
    return best ? [best] : []
  })
}

/** The phrases' vectors, in order (undefined where none is stored). */
function vectorsOf (phrases: readonly string[], vectors: Map<string, Float32Array>): Array<Float32Array | undefined> {
  return phrases.map((p) => vectors.get(phraseHash(p)))
}

/**
 * Whether a community or content item fits the person's fields: a stated pair between their interests
 * or expertise and its tags; else one of their phrases named in its title, as the same words or the
 * same concept of the termbase in either language (stated as a partial match: a title is about more
 * than one thing); else whole-text closeness where the model's calibration holds for the languages.
 */
function fieldFit (d: DocFields, tags: readonly string[], vectors: Map<string, Float32Array>, interestFit: number, f: PersonFields): Fit {
  // Each tag's vector looked up once for both sides (a phrase's key is a hash of its text).
  const tagVectors = vectorsOf(tags, vectors)
  const matchedInterests = bestPairs(f.interests, tags, f.stored, vectors, f.judge, tagVectors)
  const matchedExpertise = bestPairs(f.expertise, tags, f.stored, vectors, f.judge, tagVectors)
  if (matchedInterests.length + matchedExpertise.length === 0) {
    const title = String(d.title ?? '')
    const titleWords = ` ${plain(title)} `
    const titleConcepts = new Set(f.concepts.link(title).concepts.map((c) => c.id))
    const named = (phrase: string): PairMatch | null => {
      if (titleWords.includes(f.words.get(phrase) ?? ` ${plain(phrase)} `)) return { mine: phrase, matched: title, similarity: 1, strength: 'partial', evidence: 'words' }
      const shared = f.concepts.link(phrase).concepts.find((c) => titleConcepts.has(c.id))
      return shared ? { mine: phrase, matched: title, similarity: 1, strength: 'partial', evidence: 'concept', concept: shared.id } : null
    }
    for (const p of f.interests) { const m = named(p); if (m) matchedInterests.push(m) }
    for (const p of f.expertise) { const m = named(p); if (m) matchedExpertise.push(m) }
  }
  let fits = matchedInterests.length + matchedExpertise.length > 0
  if (!fits) {
    const bar = f.judge.trusts(f.personLang, f.concepts.majorityLanguage(tags.length > 0 ? [...tags] : [String(d.title ?? '')]))
    fits = bar !== null && interestFit >= bar.partial
  }
  return { fits, matchedInterests, matchedExpertise }
}

/** Lower-cased words separated by single spaces (punctuation dropped): "same words" in a title. */
function plain (text: string): string {
  return text.toLowerCase().normalize('NFC').replace(/[^\p{L}\p{N}]+/gu, ' ').trim()
}

/**
 * Merges the kinds' ranked lists into one: each place goes to the best-scored head of the lists,
 * and in every block of `block` places each list that still has items gets at least one place (the
 * block's last places: the last-taken item of the kind that holds most of the block goes back to its
 * list). Only the heads of the lists are read, so the first n items depend only on the first n of
 * each list (rounded up to a block): the same at any depth. Stops at the block that reaches `depth`.
 */
export function mergeKinds<T extends { score: number, doc: { id: string } }> (lists: ReadonlyArray<readonly T[]>, block: number, depth: number): T[] {
  const at = lists.map(() => 0)
  const left = (k: number) => at[k] as number < (lists[k] as readonly T[]).length
  const out: T[] = []
  while (out.length < depth && lists.some((_, k) => left(k))) {
    const taken: Array<{ k: number, item: T }> = []
    while (taken.length < block) {
      let best = -1
      for (let k = 0; k < lists.length; k++) {
        if (!left(k)) continue
        const a = (lists[k] as readonly T[])[at[k] as number] as T
        const b = best < 0 ? null : (lists[best] as readonly T[])[at[best] as number] as T
        if (b === null || a.score > b.score || (a.score === b.score && a.doc.id < b.doc.id)) best = k
      }
      if (best < 0) break
      taken.push({ k: best, item: (lists[best] as readonly T[])[at[best] as number] as T })
      at[best] = (at[best] as number) + 1
    }
    for (let k = 0; k < lists.length; k++) {
      if (!left(k) || taken.some((x) => x.k === k)) continue
      const count = (j: number) => taken.filter((x) => x.k === j).length
      let give = -1
      for (let i = taken.length - 1; i >= 0; i--) if (count((taken[i] as { k: number }).k) > 1) { give = i; break }
      if (give < 0) continue
      const back = (taken[give] as { k: number }).k
      taken.splice(give, 1)
      at[back] = (at[back] as number) - 1
      taken.push({ k, item: (lists[k] as readonly T[])[at[k] as number] as T })
      at[k] = (at[k] as number) + 1
    }
    out.push(...taken.map((x) => x.item))
  }
  return out
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
