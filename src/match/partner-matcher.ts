import type { SearchIndex } from '../ports/search-index.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import { phraseHash, type Facet } from '../domain/facets.ts'
import { reciprocalRankFusion } from '../search/fusion.ts'
import type { DocFields, Filter, Hit, RetrievalQuery, RetrievalResult, SemanticQuery } from '../ports/retrieval.ts'
import type { CollaborationGraph, GraphSignals } from './collaboration-graph.ts'
import { divisions, dot, jaccard, unitScale, weightedScore, weightedSum, type Feature, type Weights } from './features.ts'
import type { Seeker, Phrase } from './seeker.ts'
import type { PhaseMarks } from './phase-marks.ts'
import { takeTurn } from '../loop-turns.ts'
import type { MatchStrength } from './phrase-strength.ts'
import { PhraseJudge, type Judgement } from './phrase-judge.ts'
import { defaultConcepts, type Concepts } from '../concepts/concepts.ts'
import type { PartnerFilters, PartnerMode, PartnerResult, PhraseMatch } from './match-schemas.ts'

export type { PartnerFilters, PartnerMode, PartnerResult, PhraseMatch }

/**
 * What a match compares. The public modes (PartnerMode), and `provides`, which the candidate finder
 * uses for a proposal's offers: the seeker's offers against what organisations need.
 */
export type MatchMode = PartnerMode | 'provides'

export interface PartnerQuery {
  seeker: Seeker
  mode: MatchMode
  filters: PartnerFilters
  excludePastPartners: boolean
  model: string | null
  /** Programme area the partnership is for (e.g. "SC1"): a candidate list and a feature. */
  programme?: string
  /** Results wanted (offset + limit of the page served); the ranking of the rest is not worked out. */
  depth?: number
  /** Marks the phases as they end (retrieve, vectors, rank): the route's Server-Timing header. */
  timing?: PhaseMarks
}

/**
 * Candidates per retrieval list. Fifty per list and the network give 100-150 to re-rank: enough
 * for the pages a portal shows, and the retrievals' cost grows with it (bench/match-latency.ts).
 */
const POOL = 50
/** Past partners always join the pool, the closest up to this many: a coordinator may have hundreds. */
const MAX_PAST_PARTNERS = 200
/** The network list: past partners, then (for a seeker with fewer) partners of partners by resource allocation, up to this many. */
const NETWORK = 50
/** Candidates whose phrases are read in one store lookup while the served depth is worked out. */
const PHRASE_CHUNK = 16

/**
 * Ranks organisations for a seeker, in five stages a reader can follow and a test can call:
 * retrieve (filtered BM25 + kNN on the facets the mode compares, the collaboration graph's lists,
 * fused by reciprocal rank), pool (what re-ranking reads, once), score (the explicit features of
 * features.ts, and each score's bound), rank (the exact top of the served depth, reading phrases only
 * where they can still decide it) and explain (reasons and contributions).
 */
export class PartnerMatcher {
  /**
   * `weights` is a fixed set, or a function asked once per match for the weights in force (the active
   * trained model's, else the defaults: ranker/active-ranker.ts).
   */
  constructor (
    private readonly graph: CollaborationGraph,
    private readonly index: SearchIndex,
    private readonly cache: VectorCache,
    private readonly weights: Weights | (() => Weights),
    readonly concepts: Concepts = defaultConcepts()
  ) {}

  /** The exact top `depth` of the ranking (all of it by default), and how many candidates it ranked. */
  async match (q: PartnerQuery): Promise<{ results: PartnerResult[], total: number }> {
    const retrieved = await this.retrieve(q)
    if (retrieved.fused.length === 0 || !hasEvidence(q, retrieved)) return { results: [], total: 0 }
    const pool = await this.pool(q, retrieved)
    const scored = this.score(q, pool)
    const ranked = await this.rank(q, pool, scored)
    const results = ranked.map((c) => explain(q, pool, c))
    q.timing?.mark('rank')
    return { results, total: scored.length }
  }

  /**
   * Stage 1, retrieve: the seeker's network and the programme's leaders, then one filtered round
   * trip (BM25 and kNN on the facets the mode compares, the graph's lists), fused by reciprocal rank.
   */
  async retrieve (q: PartnerQuery): Promise<Retrieved> {
    const { seeker, mode } = q
    const exclude = [...(seeker.organizationId ? [seeker.organizationId] : []), ...(seeker.kind === 'organizations' && seeker.id ? [seeker.id] : [])]
    const graph = this.graph
    if (q.excludePastPartners && seeker.organizationId) exclude.push(...graph.pastPartners(seeker.organizationId))
    const network = seeker.organizationId ? graph.network(seeker.organizationId, { partners: MAX_PAST_PARTNERS, total: NETWORK, ...(q.programme ? { programme: q.programme } : {}) }) : null
    const leaders = q.programme ? graph.leaders(q.programme, POOL) : null
    const filter: Filter = {
      anyOf: {
        org_kind: q.filters.kinds ?? [],
        country: q.filters.countries ?? (seeker.countriesSought.length > 0 ? seeker.countriesSought : []),
        region: q.filters.regions ?? [],
        s3_areas: q.filters.s3Areas ?? [],
        sectors: q.filters.sectors ?? [],
        size: q.filters.sizes ?? []
      },
      noneOf: { id: exclude, visibility: ['private'] }
    }

    const semantic: SemanticQuery[] = []
    for (const [mine, theirs] of facetPairs(mode)) {
      const v = seeker.vectors[mine] ?? (mine === 'needs' ? seeker.vectors.profile : undefined)
      if (v) semantic.push({ facet: theirs, vector: v })
    }
    // Complementary and reciprocal modes search for what the seeker needs; without a needs text there
    // is nothing to search lexically (its own name or profile would find look-alikes, not partners).
    // The lexical list searches the seeker's phrases (what it seeks, or in similar mode what it has)
    // when it has them: they are what a partner's texts should contain, and a whole profile as a
    // query is dozens of common words, each a long posting list (three times the cost, no better
    // candidates: the semantic lists read the whole text anyway).
    const ownPhrases = ownSide(mode, seeker).map((p) => p.text)
    const lexicalText = seeker.kind !== 'text' && ownPhrases.length > 0 ? ownPhrases.join('. ') : mode === 'similar' ? seeker.texts.profile : mode === 'provides' ? seeker.texts.competencies : seeker.texts.needs
    // The concepts the seeker's phrases (and a free text) name: candidates holding them in either
    // language (src/concepts/).
    const conceptIds = this.soughtConcepts(q)
    const retrieval: RetrievalQuery = {
      kind: 'organizations',
      filter,
      ...(lexicalText ? { lexical: { text: lexicalText, fields: mode === 'similar' ? { title: 1, text: 1, competencies_text: 1 } : mode === 'provides' ? { needs_text: 2, text: 1, title: 0.5 } : { competencies_text: 2, text: 1, title: 0.5 } } } : {}),
      semantic,
      // An offer looks for organisations that need the concepts it names; every other mode for those that have them.
      ...(conceptIds.length > 0 ? { concepts: { field: mode === 'provides' ? 'need_concepts' : 'concepts', ids: conceptIds } } : {}),
      size: POOL,
      include: {
        ...(network ? { network } : {}),
        ...(leaders ? { programme: leaders } : {})
      }
    }
    const found = await this.index.retrieve(retrieval)
    // Re-ranking is CPU on this thread: it waits for a turn of the loop of its own (loop-turns.ts).
    await takeTurn()
    q.timing?.mark('retrieve')
    const names = Object.keys(found.lists)
    return { found, fused: reciprocalRankFusion(names.map((n) => found.lists[n] ?? [])) }
  }

  /**
   * Stage 2, pool: what re-ranking reads about the fused candidates, read once: their vectors of the
   * facets the mode compares, the collaboration signals, the pool-relative scales (the best candidate
   * scores 1) and the mix of the seeker's past consortia.
   */
  async pool (q: PartnerQuery, retrieved: Retrieved): Promise<Pool> {
    const { found, fused } = retrieved
    const candidates = fused.map((f) => found.docs.get(f.id) as DocFields)
    // Only the vectors this mode compares: a candidate's other facets would be read for nothing.
    const facets: Facet[] = q.mode === 'similar' ? ['profile'] : q.mode === 'complementary' ? ['competencies'] : q.mode === 'provides' ? ['needs'] : ['competencies', 'needs']
    const vectors = await this.facetVectors(candidates, q.model, facets)
    q.timing?.mark('vectors')
    const signals = this.graph.signals(q.seeker.organizationId, candidates.map((c) => c.id), q.programme)
    const inArea = (id: string) => {
      let n = 0
      for (const [p, k] of signals.programmes.get(id) ?? []) if (q.programme ? p === q.programme : signals.seekerProgrammes.has(p)) n += k
      return n
    }
    const best = { projects: 0, recent: 0, area: 0, strength: 0, allocation: 0, walk: 0, programme: 0 }
    /** Each candidate's projects in the programme area, worked out once. */
    const areaProjects = new Map<string, number>()
    for (const c of candidates) {
      const tie = signals.ties.get(c.id)
      if (tie) {
        best.projects = Math.max(best.projects, signals.sharedProjects.get(c.id)?.length ?? 0)
        best.recent = Math.max(best.recent, tie.recent)
        best.area = Math.max(best.area, tie.area)
        best.strength = Math.max(best.strength, tie.strength)
        best.allocation = Math.max(best.allocation, tie.allocation)
        best.walk = Math.max(best.walk, tie.walk)
      }
      const n = inArea(c.id)
      areaProjects.set(c.id, n)
      best.programme = Math.max(best.programme, n)
    }
    const bm25 = new Map((found.lists.bm25 ?? []).map((h) => [h.id, h.score]))
    return {
      fused,
      candidates,
      vectors,
      signals,
      best,
      areaProjects,
      mix: consortiumMix(candidates, signals.sharedProjects),
      bm25,
      bestBm25: Math.max(0, ...bm25.values()) || 1,
      bestFusion: fused[0]?.score ?? 1,
      mySectors: divisions(q.seeker.sectors),
      weights: unitScale(typeof this.weights === 'function' ? this.weights() : this.weights)
    }
  }

  /**
   * Stage 3, score: every feature but the phrase match, for every candidate, and the most each score
   * can become (the bound); sorted by bound. The phrase match (a similarity per pair of phrases) is
   * left to the rank stage: with it at most 1, a candidate whose score without it plus its weight stays
   * below the depth-th best is out anyway.
   */
  score (q: PartnerQuery, pool: Pool): Scored[] {
    const { seeker, mode } = q
    const { signals, best, vectors, areaProjects, mix, bm25, bestBm25, bestFusion, mySectors, weights: w } = pool
    const relative = (x: number, top: number) => top > 0 ? x / top : 0
    const logRelative = (x: number, top: number) => top > 0 ? Math.log1p(x) / Math.log1p(top) : 0
    const phraseCount = ownSide(mode, seeker).length
    const now = Date.now()
    const [fwdMine, fwdTheirs] = facetPairs(mode)[0] as [Facet, Facet]
    const scored = pool.fused.map((f, i): Scored => {
      const doc = pool.candidates[i] as DocFields
      const hashes = (doc.facet_hashes as Record<string, string> | undefined) ?? {}
      const fit = cosine(seeker.vectors[fwdMine] ?? seeker.vectors.profile, vectors.get(hashes[fwdTheirs] ?? ''))
      const reverse = mode === 'reciprocal' ? cosine(seeker.vectors.competencies, vectors.get(hashes.needs ?? '')) : 0
      const projects = signals.sharedProjects.get(doc.id)?.length ?? 0
      const tie = signals.ties.get(doc.id)
      const programmeProjects = areaProjects.get(doc.id) ?? 0
      const ageDays = doc.updated_at ? (now - Date.parse(String(doc.updated_at))) / 86_400_000 : 0
      const values: Record<Feature, number> = {
        semantic_fit: Math.max(0, fit),
        semantic_reverse: Math.max(0, reverse),
        two_sided: mode === 'reciprocal' ? Math.max(0, Math.min(fit, reverse)) : 0,
        phrase_match: 0,
        lexical: (bm25.get(doc.id) ?? 0) / bestBm25,
        fusion: f.score / bestFusion,
        shared_s3: jaccard(seeker.s3Areas, asList(doc.s3_areas)),
        shared_sectors: jaccard(mySectors, divisions(asList(doc.sectors))),
        same_region: seeker.region && doc.region === seeker.region ? 1 : 0,
        past_partner: logRelative(projects, best.projects),
        recent_partner: relative(tie?.recent ?? 0, best.recent),
        area_partner: logRelative(tie?.area ?? 0, best.area),
        tie_strength: relative(tie?.strength ?? 0, best.strength),
        shared_partners: tie?.salton ?? 0,
        resource_allocation: relative(tie?.allocation ?? 0, best.allocation),
        random_walk: relative(tie?.walk ?? 0, best.walk),
        same_programme: logRelative(programmeProjects, best.programme),
        kind_mix: mix.kinds.get(String(doc.org_kind ?? '')) ?? 0,
        country_mix: mix.countries.get(String(doc.country ?? '')) ?? 0,
        freshness: Math.exp(-Math.max(0, ageDays) / 365)
      }
      const partial = weightedSum(values, w)
      // The phrase match is within [-1, 1]: its term adds at most |weight| (a trained weight may be
      // negative). In reciprocal mode the rank stage may raise both directions and two_sided to their
      // phrase evidence (each at most 1).
      const raise = (phraseCount > 0 ? Math.abs(w.phrase_match) : 0) + (mode === 'reciprocal' ? Math.abs(w.semantic_fit) + Math.abs(w.semantic_reverse) + Math.abs(w.two_sided) : 0)
      return { doc, values, bound: round(partial + raise + 1e-9), score: -Infinity, matched: [], matchedBack: [] }
    })
    return scored.sort((a, b) => b.bound - a.bound)
  }

  /**
   * Stage 4, bounded rank: the exact top `q.depth` in ranking order. Candidates are taken by bound;
   * their phrases (and the phrases' vectors) are read chunk by chunk, only for the candidates that
   * can still enter the served depth: most of the pool never needs them.
   */
  async rank (q: PartnerQuery, pool: Pool, scored: readonly Scored[]): Promise<Scored[]> {
    const { seeker, mode } = q
    const w = pool.weights
    const mine = keyed(ownSide(mode, seeker))
    // What the seeker's phrases are compared with: what a candidate has, or (an offer) what it needs.
    const theirSide = (d: DocFields) => asList(mode === 'provides' ? d.needs : d.competencies)
    const depth = Math.min(q.depth ?? Infinity, scored.length)
    const ranked: Scored[] = []
    const phrases: PhraseTable = new Map()
    const judge = new PhraseJudge(this.concepts, q.model)
    const reciprocal = mode === 'reciprocal'
    const offers = reciprocal ? keyed(seeker.offers) : []
    const out = (c: Scored) => ranked.length >= depth && c.bound < (ranked[depth - 1] as Scored).score
    const chunkSize = Math.max(PHRASE_CHUNK, depth)
    for (let at = 0; at < scored.length && !out(scored[at] as Scored);) {
      const chunk: Scored[] = []
      for (; at < scored.length && chunk.length < chunkSize && !out(scored[at] as Scored); at++) chunk.push(scored[at] as Scored)
      await this.readPhrases(chunk.map((c) => reciprocal ? [...asList(c.doc.competencies), ...asList(c.doc.needs)] : theirSide(c.doc)), q.model, phrases)
      for (const c of chunk) {
        if (out(c)) break
        c.matched = matchPhrases(mine, theirSide(c.doc), phrases, judge)
        c.values.phrase_match = mine.length > 0 ? c.matched.reduce((s, m) => s + m.similarity, 0) / mine.length : 0
        if (reciprocal) {
          const needs = asList(c.doc.needs)
          c.matchedBack = matchPhrases(offers, needs, phrases, judge).filter(stated)
          if (offers.length > 0 && needs.length > 0) {
            // Each direction judged phrase by phrase as well as by its facets' cosine (the same words,
            // the same or related concepts in any language pair, the model where its calibration
            // holds), and two-sided is the weaker of the two. The cosines alone said little: with an
            // English-only model an Italian text, or an acronym ("BIM"), sits far from its English
            // twin, so a one-sided candidate worded like the seeker outranked a two-sided one worded
            // otherwise. A candidate none of whose needs the seeker meets on such evidence is not
            // two-sided at all.
            const reverse = reverseCover(needs, offers, phrases, judge, this.concepts)
            const forward = mine.length > 0 ? evidenceCover(c.matched, mine.length, this.concepts) : 0
            c.values.semantic_fit = Math.max(c.values.semantic_fit, forward)
            c.values.semantic_reverse = Math.max(c.values.semantic_reverse, reverse)
            c.values.two_sided = reverse > 0 ? Math.max(0, Math.min(c.values.semantic_fit, c.values.semantic_reverse)) : 0
          }
        }
        c.score = round(weightedSum(c.values, w))
        insertRanked(ranked, c)
      }
    }
    return ranked.slice(0, depth)
  }

  /** The concept ids a match looks for in candidates' competencies: those of the seeker's phrases (and of a free text). */
  soughtConcepts (q: PartnerQuery): string[] {
    const { seeker } = q
    const phrases = ownSide(q.mode, seeker).map((p) => p.text)
    if (seeker.kind === 'text' && seeker.texts.needs) phrases.push(seeker.texts.needs)
    return this.concepts.idsOf(phrases)
  }

  /** The candidates' vectors of the given facets, by content hash (one store lookup). */
  private async facetVectors (docs: readonly DocFields[], model: string | null, facets: readonly Facet[]): Promise<Map<string, Float32Array>> {
    if (!model) return new Map()
    const hashes: string[] = []
    for (const d of docs) {
      const own = (d.facet_hashes as Record<string, string> | undefined) ?? {}
      for (const f of facets) if (own[f]) hashes.push(own[f])
    }
    return this.cache.getMany(model, hashes)
  }

  /**
   * Adds to `table` the phrases of `lists` it does not hold yet, each with its normalised form and
   * vector (one store lookup for all of them): every phrase is hashed and read once per request.
   */
  private async readPhrases (lists: ReadonlyArray<readonly string[]>, model: string | null, table: PhraseTable): Promise<void> {
    const added = new Map<string, string>()
    for (const list of lists) {
      for (const p of list) {
        if (table.has(p)) continue
        table.set(p, { key: p.trim().toLowerCase() })
        if (model) added.set(p, phraseHash(p))
      }
    }
    if (added.size === 0 || !model) return
    const found = await this.cache.getMany(model, [...added.values()])
    for (const [p, h] of added) {
      const v = found.get(h)
      if (v) (table.get(p) as { vector?: Float32Array }).vector = v
    }
  }
}

/**
 * Whether a free text found anything but nearest neighbours: a word in common (BM25) or a concept of
 * the termbase. Vectors always have neighbours, and an English model puts any text, nonsense
 * included, at 0.6-0.8 of everything; a match that rests on them alone is no match (docs/ranking.md,
 * "What a score means"). A stored profile is always matched: its phrases and texts are real.
 */
function hasEvidence (q: PartnerQuery, r: Retrieved): boolean {
  if (q.seeker.kind !== 'text') return true
  return (r.found.lists.bm25?.length ?? 0) > 0 || (r.found.lists.concepts?.length ?? 0) > 0
}

/** What each mode compares: the seeker's facet → the candidates' facet. */
function facetPairs (mode: MatchMode): Array<[Facet, Facet]> {
  return mode === 'similar'
    ? [['profile', 'profile'], ['competencies', 'competencies']]
    : mode === 'complementary' ? [['needs', 'competencies']] : mode === 'provides' ? [['competencies', 'needs']] : [['needs', 'competencies'], ['competencies', 'needs']]
}

/** The seeker's phrases a mode compares: what it has (similar, provides), else what it seeks. */
function ownSide (mode: MatchMode, seeker: Seeker): Phrase[] {
  return mode === 'similar' || mode === 'provides' ? seeker.offers : seeker.seeks
}

/**
 * How far the candidate's phrases meet the seeker's wanted ones, counting only pairs resting on
 * evidence (a stated match, or the termbase linking the two): the mean over the wanted phrases.
 */
function evidenceCover (matched: readonly ScoredPhrase[], wanted: number, concepts: Concepts): number {
  let total = 0
  for (const m of matched) if (m.strength !== null || concepts.evidence(m.sought, m.matched) !== null) total += m.similarity
  return wanted > 0 ? total / wanted : 0
}

/**
 * How far the seeker's offers meet the candidate's needs: for each need, the best judged similarity to
 * one of the offers, counted only where it rests on evidence (a stated match, or the termbase linking
 * the two phrases); the mean over the needs. An untrusted cosine alone counts nothing here.
 */
function reverseCover (needs: readonly string[], offers: readonly KeyedPhrase[], table: PhraseTable, judge: PhraseJudge, concepts: Concepts): number {
  let total = 0
  for (const need of needs) {
    const nv = table.get(need)?.vector
    let best = 0
    for (const o of offers) {
      const j = judge.judge(o.text, o.vector, need, nv)
      if (j.similarity <= best) continue
      if (j.strength !== null || concepts.evidence(o.text, need) !== null) best = j.similarity
    }
    total += best
  }
  return needs.length > 0 ? total / needs.length : 0
}

/** The retrieve stage's answer: the index's lists and documents, and their fusion. */
export interface Retrieved {
  found: RetrievalResult
  fused: Hit[]
}

/** The pool stage's answer: everything scoring reads about the candidates, read once per match. */
export interface Pool {
  fused: Hit[]
  /** The fused candidates' documents, in fused order. */
  candidates: DocFields[]
  /** Their vectors of the facets the mode compares, by content hash. */
  vectors: Map<string, Float32Array>
  signals: GraphSignals
  /** The best candidate's value of each history signal (the pool-relative scales). */
  best: { projects: number, recent: number, area: number, strength: number, allocation: number, walk: number, programme: number }
  areaProjects: Map<string, number>
  mix: { kinds: Map<string, number>, countries: Map<string, number> }
  bm25: Map<string, number>
  bestBm25: number
  bestFusion: number
  mySectors: string[]
  /** The weights in force for this match, unit-scaled (a score is within [0, 1]). */
  weights: Weights
}

/**
 * Stage 5, explain: a ranked candidate as the API answers it, with its reasons (what was matched,
 * shared areas and sectors, the history) in fields and in sentences, and each feature's contribution.
 */
export function explain (q: PartnerQuery, pool: Pool, c: Scored): PartnerResult {
  const { seeker, mode } = q
  const { signals, mySectors } = pool
  const { doc, values, matched, matchedBack } = c
  const sharedS3 = asList(doc.s3_areas).filter((a) => seeker.s3Areas.includes(a))
  const sharedSectors = divisions(asList(doc.sectors)).filter((d) => mySectors.includes(d))
  const projects = signals.sharedProjects.get(doc.id) ?? []
  const partners = signals.sharedPartners.get(doc.id) ?? 0
  const programmes = [...(signals.programmes.get(doc.id)?.keys() ?? [])].filter((p) => q.programme ? p === q.programme : signals.seekerProgrammes.has(p))
  const shownMatches = matched.filter(stated)
  // An offer's matches are the candidate's needs it meets: said as what they seek that you offer.
  const provides = mode === 'provides'
  return {
    id: doc.id,
    score: c.score,
    name: String(doc.title ?? doc.id),
    kind: String(doc.org_kind ?? ''),
    ...(doc.country ? { country: String(doc.country) } : {}),
    ...(doc.region ? { region: String(doc.region) } : {}),
    reasons: {
      matched: provides ? [] : shownMatches,
      matchedBack: provides ? shownMatches : matchedBack,
      sharedS3Areas: sharedS3,
      sharedSectors,
      sameRegion: values.same_region === 1,
      pastProjects: projects,
      sharedPartners: partners,
      programmes,
      summary: summarise(mode, shownMatches, matchedBack, sharedS3, sharedSectors, projects, partners, programmes, values.same_region === 1 ? String(doc.region) : null)
    },
    features: weightedScore(values, pool.weights).features
  }
}

/**
 * The seeker's past consortia as a mix: for each organisation kind and each country, its share of the
 * seeker's past partners in the pool, each partner counted by its shared projects.
 */
function consortiumMix (docs: readonly DocFields[], shared: ReadonlyMap<string, readonly string[]>): { kinds: Map<string, number>, countries: Map<string, number> } {
  const kinds = new Map<string, number>()
  const countries = new Map<string, number>()
  let total = 0
  for (const d of docs) {
    const n = shared.get(d.id)?.length ?? 0
    if (n === 0) continue
    total += n
    const kind = String(d.org_kind ?? '')
    const country = String(d.country ?? '')
    kinds.set(kind, (kinds.get(kind) ?? 0) + n)
    countries.set(country, (countries.get(country) ?? 0) + n)
  }
  for (const m of [kinds, countries]) for (const [k, n] of m) m.set(k, n / total)
  kinds.delete('')
  countries.delete('')
  return { kinds, countries }
}

/** A candidate on its way through re-ranking. */
export interface Scored {
  doc: DocFields
  values: Record<Feature, number>
  /** The most its score can be (every feature known but the phrase match, taken as 1). */
  bound: number
  score: number
  /** Each of the seeker's phrases with its best counterpart (strength null: not worth stating). */
  matched: ScoredPhrase[]
  /** Reciprocal mode: the candidate's needs the seeker's offers meet (stated ones only). */
  matchedBack: PhraseMatch[]
}

/** A phrase pair as ranking sees it: the strength is null below the model's partial threshold. */
type ScoredPhrase = Omit<PhraseMatch, 'strength'> & { strength: MatchStrength | null }

const stated = (m: ScoredPhrase): m is PhraseMatch => m.strength !== null

/** Inserts into a list kept in ranking order: score descending, then id. */
function insertRanked (list: Scored[], c: Scored): void {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const m = list[mid] as Scored
    if (m.score > c.score || (m.score === c.score && m.doc.id < c.doc.id)) lo = mid + 1
    else hi = mid
  }
  list.splice(lo, 0, c)
}

/** A request's candidate phrases: normalised text and vector, by the text as written. */
type PhraseTable = Map<string, { key: string, vector?: Float32Array }>

/** A seeker's phrase, normalised once per request. */
interface KeyedPhrase { text: string, key: string, vector?: Float32Array }

const keyed = (phrases: readonly Phrase[]): KeyedPhrase[] => phrases.map((p) => ({ text: p.text, key: p.text.trim().toLowerCase(), ...(p.vector ? { vector: p.vector } : {}) }))

/** A document field as a list of strings: the list itself when it is one already (no copy per candidate). */
function asList (v: unknown): string[] {
  if (Array.isArray(v)) {
    for (const x of v) if (typeof x !== 'string') return v.map(String)
    return v as string[]
  }
  return typeof v === 'string' ? [v] : []
}

function cosine (a: Float32Array | undefined, b: Float32Array | undefined): number {
  return a && b ? dot(a, b) : 0
}

function round (x: number): number {
  return Math.round(x * 10_000) / 10_000
}

/**
 * For each of the seeker's phrases, the candidate phrase it is closest to, with its strength and what
 * the strength rests on (phrase-judge.ts: the same words or concept in any language, related
 * concepts, or the model's similarity where its calibration holds for the two languages).
 */
function matchPhrases (mine: readonly KeyedPhrase[], theirs: readonly string[], table: PhraseTable, judge: PhraseJudge): ScoredPhrase[] {
  const out: ScoredPhrase[] = []
  if (theirs.length === 0) return out
  for (const p of mine) {
    let best: Judgement | null = null
    let matched = ''
    for (const t of theirs) {
      const o = table.get(t)
      const j = judge.judge(p.text, p.vector, t, o?.vector)
      if (best === null || j.similarity > best.similarity || (j.similarity === best.similarity && rankOf(j) > rankOf(best))) { best = j; matched = t }
    }
    const b = best as Judgement
    out.push({ sought: p.text, matched, similarity: round(b.similarity), strength: b.strength, ...(b.via ? { evidence: b.via } : {}), ...(b.concept ? { concept: b.concept } : {}) })
  }
  return out.sort((a, b) => b.similarity - a.similarity)
}

const rankOf = (j: Judgement) => j.strength === 'strong' ? 2 : j.strength === 'partial' ? 1 : 0

/** `"X" for "Y" (strong match)`: what a person reads, never a raw cosine. */
const pairText = (m: PhraseMatch, forWord: string) => `"${m.matched}" (${forWord} "${m.sought}", ${m.strength} match${evidenceText(m)})`

/** The evidence a person can check: the same concept across two wordings, or a related one. */
export function evidenceText (m: Pick<PhraseMatch, 'evidence'>): string {
  return m.evidence === 'concept' ? ', same concept' : m.evidence === 'related-concept' ? ', related concept' : ''
}

function summarise (mode: MatchMode, matched: PhraseMatch[], back: PhraseMatch[], s3: string[], sectors: string[], projects: string[], partners: number, programmes: string[], region: string | null): string[] {
  const lines: string[] = []
  if (mode === 'provides') {
    if (matched.length > 0) lines.push(`Needs what this offer provides: ${matched.slice(0, 3).map((m) => pairText(m, 'for')).join(', ')}`)
  } else if (matched.length > 0) {
    const verb = mode === 'similar' ? 'Has competencies like yours' : 'Has what you seek'
    lines.push(`${verb}: ${matched.slice(0, 3).map((m) => pairText(m, 'for')).join(', ')}`)
  }
  if (back.length > 0) lines.push(`Seeks what you offer: ${back.slice(0, 3).map((m) => pairText(m, 'your')).join(', ')}`)
  if (s3.length > 0) lines.push(`Same S3 areas: ${s3.join(', ')}`)
  if (sectors.length > 0) lines.push(`Same economic sectors (division ${sectors.join(', ')})`)
  if (region) lines.push(`Also in ${region}`)
  if (projects.length > 0) lines.push(`You worked together on ${projects.length} project${projects.length > 1 ? 's' : ''}`)
  if (partners > 0) lines.push(`${partners} partner${partners > 1 ? 's' : ''} in common`)
  if (programmes.length > 0) lines.push(`Active in your programme areas: ${programmes.join(', ')}`)
  return lines
}
