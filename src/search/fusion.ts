// Rank fusion for hybrid retrieval: combines ranked lists from different retrievers (BM25, kNN over
// one or more embedding models) into one ranking. Pure functions, no I/O; deterministic: equal fused
// scores are ordered by id (plain code-unit string order, independent of locale).

/** One hit of a ranked list: a document id and the retriever's score for it (higher is better). */
export interface ScoredId {
  id: string
  score: number
}

/** One fused hit. `contributions[i]` and `ranks[i]` refer to the i-th input list. */
export interface FusedHit {
  id: string
  /** The fused score: the sum of `contributions`. */
  score: number
  /** What each input list added to `score` (weight included); 0 or the list's floor when absent, see each function. */
  contributions: number[]
  /** 1-based position of the document in each input list, or null when the list did not retrieve it. */
  ranks: Array<number | null>
}

export interface RrfOptions {
  /** The rank constant k in 1 / (k + rank). Default 60 (Cormack et al., 2009). Must be finite and >= 0. */
  k?: number
  /** One non-negative weight per list (default 1 each): a list adds weight / (k + rank). */
  weights?: readonly number[]
  /** Keep only the best `limit` fused hits (default: all). */
  limit?: number
}

/** Default RRF rank constant. */
export const RRF_K = 60

/**
 * Reciprocal rank fusion: score(d) = Σ_i weight_i / (k + rank_i(d)), summed over the lists that
 * retrieved d; a list that did not retrieve d adds 0.
 *
 * A list's order is its ranking: the first element has rank 1. Scores are ignored (they only need
 * to be comparable within their own list, which RRF never relies on). When an id occurs more than once
 * in a list, its first (best) position counts and the later ones are ignored.
 */
export function reciprocalRankFusion (lists: ReadonlyArray<readonly ScoredId[]>, options: RrfOptions = {}): FusedHit[] {
  const k = options.k ?? RRF_K
  if (!Number.isFinite(k) || k < 0) throw new RangeError(`RRF k must be a finite number >= 0, got ${k}`)
  const weights = checkWeights(options.weights, lists.length)
  const hits = new Map<string, FusedHit>()
  lists.forEach((list, i) => {
    const w = weights[i] as number
    list.forEach((hit, position) => {
      const fused = entry(hits, hit.id, lists.length)
      if (fused.ranks[i] !== null) return // a duplicate further down the same list
      const rank = position + 1
      fused.ranks[i] = rank
      // k = 0 and rank >= 1: the denominator is never 0.
      fused.contributions[i] = w / (k + rank)
    })
  })
  return finish(hits, options.limit)
}

/**
 * How a list's scores are mapped onto a common scale before they are weighted and summed, computed
 * over the candidates the list retrieved (not the whole collection):
 * - `min-max`: (s - min) / (max - min), in [0, 1].
 * - `z-score`: (s - mean) / standard deviation (population), mean 0 and deviation 1.
 * - `none`: the raw score (for scores already on a common scale, e.g. cosine similarities).
 */
export type Normalisation = 'min-max' | 'z-score' | 'none'

export interface ScoreFusionOptions {
  /** One non-negative weight per list (default 1 each). */
  weights?: readonly number[]
  /** One normalisation for every list, or one per list. Default `min-max`. */
  normalisation?: Normalisation | readonly Normalisation[]
  /** Keep only the best `limit` fused hits (default: all). */
  limit?: number
  /**
   * Per list, the depth it was asked for, for lists whose unmatched documents score 0 (BM25): a
   * list shorter than its depth is complete, so its scale is computed as if the documents it left
   * out were there with 0, and they get the normalised 0 as floor. Without this a rare term's
   * single hit is "degenerate" and worth no more than any kNN neighbour: a record holding the only
   * occurrence of the query's word ranked 17th. Lists without a depth (kNN) are normalised over
   * their candidates alone.
   */
  depths?: ReadonlyArray<number | undefined>
}

/**
 * Weighted score fusion ("convex combination" when the weights sum to 1):
 * score(d) = Σ_i weight_i × norm_i(d), where norm_i is list i's normalised score of d.
 *
 * Documents missing from a list: a list retrieves its best candidates only, so a document it did not
 * retrieve scored at most as well as its last candidate. It gets the list's floor, the lowest
 * normalised value among the list's candidates: 0 for `min-max` (the minimum maps to 0), the lowest
 * z for `z-score`, the lowest raw score for `none`. Its contribution is weight × floor, reported in
 * `contributions` like any other (so contributions always add up to the score). An empty list adds
 * nothing to anyone.
 *
 * Degenerate lists: when every candidate of a list has the same score (a single candidate, or all
 * equal), `min-max` and `z-score` have no scale to apply. Such a list then only says which documents
 * it retrieved: each of its candidates gets 1 and a missing document 0 (for both normalisations).
 * `none` keeps the raw scores and the floor rule.
 *
 * Duplicate ids within a list: the first occurrence counts. Scores must be finite numbers.
 */
export function weightedScoreFusion (lists: ReadonlyArray<readonly ScoredId[]>, options: ScoreFusionOptions = {}): FusedHit[] {
  const weights = checkWeights(options.weights, lists.length)
  const norms = normalisations(options.normalisation, lists.length)
  const hits = new Map<string, FusedHit>()
  const floors: number[] = []
  lists.forEach((list, i) => {
    const w = weights[i] as number
    const unique = firstOccurrences(list)
    const depth = options.depths?.[i]
    const padding = depth !== undefined && unique.length < depth ? depth - unique.length : 0
    const { values, floor } = normalise(unique.map((h) => h.score), norms[i] as Normalisation, padding)
    floors.push(w * floor)
    unique.forEach((hit, position) => {
      const fused = entry(hits, hit.id, lists.length)
      fused.ranks[i] = position + 1
      fused.contributions[i] = w * (values[position] as number)
    })
  })
  // Documents missing from a list get that list's floor.
  for (const fused of hits.values()) {
    for (let i = 0; i < lists.length; i++) {
      if (fused.ranks[i] === null) fused.contributions[i] = floors[i] as number
    }
  }
  return finish(hits, options.limit)
}

/**
 * Normalises one list's scores (in list order). `floor` is the value a document missing from the list
 * gets; see weightedScoreFusion for the rules. `zeros` documents that scored 0 are counted in the
 * scale (a complete list's unmatched documents); the floor is then the normalised 0.
 */
export function normalise (scores: readonly number[], normalisation: Normalisation, zeros = 0): { values: number[], floor: number } {
  for (const s of scores) if (!Number.isFinite(s)) throw new RangeError(`scores must be finite numbers, got ${s}`)
  if (scores.length === 0) return { values: [], floor: 0 }
  if (zeros > 0 && normalisation !== 'none') return normaliseWithZeros(scores, normalisation, zeros)
  let min = Infinity
  let max = -Infinity
  for (const s of scores) {
    if (s < min) min = s
    if (s > max) max = s
  }
  if (normalisation === 'none') return { values: scores.slice(), floor: min }
  // Equal scores (one candidate included): no scale to apply, only "retrieved" (1) vs "missing" (0).
  if (max === min) return { values: scores.map(() => 1), floor: 0 }
  if (normalisation === 'min-max') {
    const range = max - min
    return { values: scores.map((s) => (s - min) / range), floor: 0 }
  }
  if (normalisation === 'z-score') {
    const mean = scores.reduce((a, s) => a + s, 0) / scores.length
    const variance = scores.reduce((a, s) => a + (s - mean) ** 2, 0) / scores.length
    const sd = Math.sqrt(variance)
    // max > min, so sd > 0 except for round-off on scores a few ulps apart.
    if (!(sd > 0)) return { values: scores.map(() => 1), floor: 0 }
    return { values: scores.map((s) => (s - mean) / sd), floor: (min - mean) / sd }
  }
  throw new RangeError(`unknown normalisation ${String(normalisation)}`)
}

/** `normalise` over the scores and `zeros` more documents scored 0; the floor is where 0 lands. */
function normaliseWithZeros (scores: readonly number[], normalisation: 'min-max' | 'z-score', zeros: number): { values: number[], floor: number } {
  let min = 0
  let max = 0
  for (const s of scores) {
    if (s < min) min = s
    if (s > max) max = s
  }
  if (max === min) return { values: scores.map(() => 0), floor: 0 }
  if (normalisation === 'min-max') return { values: scores.map((s) => (s - min) / (max - min)), floor: (0 - min) / (max - min) }
  const n = scores.length + zeros
  const mean = scores.reduce((a, s) => a + s, 0) / n
  const variance = (scores.reduce((a, s) => a + (s - mean) ** 2, 0) + zeros * mean * mean) / n
  const sd = Math.sqrt(variance)
  if (!(sd > 0)) return { values: scores.map(() => 0), floor: 0 }
  return { values: scores.map((s) => (s - mean) / sd), floor: (0 - mean) / sd }
}

function checkWeights (weights: readonly number[] | undefined, lists: number): number[] {
  if (weights === undefined) return new Array(lists).fill(1)
  if (weights.length !== lists) throw new RangeError(`expected ${lists} weights (one per list), got ${weights.length}`)
  for (const w of weights) if (!Number.isFinite(w) || w < 0) throw new RangeError(`weights must be finite numbers >= 0, got ${w}`)
  return weights.slice()
}

function normalisations (option: ScoreFusionOptions['normalisation'], lists: number): Normalisation[] {
  if (option === undefined) return new Array(lists).fill('min-max')
  if (typeof option === 'string') return new Array(lists).fill(option)
  if (option.length !== lists) throw new RangeError(`expected ${lists} normalisations (one per list), got ${option.length}`)
  return option.slice()
}

function firstOccurrences (list: readonly ScoredId[]): ScoredId[] {
  const seen = new Set<string>()
  const out: ScoredId[] = []
  for (const hit of list) {
    if (seen.has(hit.id)) continue
    seen.add(hit.id)
    out.push(hit)
  }
  return out
}

function entry (hits: Map<string, FusedHit>, id: string, lists: number): FusedHit {
  let fused = hits.get(id)
  if (!fused) {
    fused = { id, score: 0, contributions: new Array(lists).fill(0), ranks: new Array(lists).fill(null) }
    hits.set(id, fused)
  }
  return fused
}

/** Sums contributions in list order (same order for every document, so equal inputs give equal sums), sorts, cuts. */
function finish (hits: Map<string, FusedHit>, limit: number | undefined): FusedHit[] {
  const out = [...hits.values()]
  for (const fused of out) {
    let sum = 0
    for (const c of fused.contributions) sum += c
    fused.score = sum
  }
  out.sort(byScoreThenId)
  if (limit !== undefined) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be an integer >= 0, got ${limit}`)
    return out.slice(0, limit)
  }
  return out
}

/** Higher score first; equal scores by id, ascending (code-unit order). */
export function byScoreThenId (a: { id: string, score: number }, b: { id: string, score: number }): number {
  if (a.score !== b.score) return b.score - a.score
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
