/**
 * The re-ranking features, each scaled to about [0, 1], and their default weights. A result's score
 * is Σ weight × feature; `explain=true` returns every product. Weights can be overridden with
 * RANKING_WEIGHTS (a JSON object of feature → weight); a trained ranking model (ranker/) replaces them
 * while it is active. The hand-set defaults are the cold start: the collaboration features added for
 * the trained ranker start at 0, so that without a model rankings are what they were.
 */
export const FEATURES = {
  semantic_fit: 'cosine of the facets the mode compares (complementary: what you seek ↔ what they have; similar: profile ↔ profile); in reciprocal mode at least the share of your wanted phrases their phrases meet on evidence (words, concepts, the calibrated model)',
  semantic_reverse: 'reciprocal mode: what they seek ↔ what you have, the facets\' cosine or the share of their needs your offers meet on evidence, whichever is higher',
  two_sided: 'reciprocal mode: the weaker of the two directions, so a two-sided match ranks above a one-sided one; 0 when none of their needs is met by one of your offers on evidence',
  phrase_match: 'mean, over your wanted phrases, of the best similarity to one of their phrases: 1 for the same words or the same concept of the termbase in either language (src/concepts/), else the cosine, discounted in a language pair the model is not calibrated for',
  lexical: 'BM25 score relative to the best BM25 score of the query',
  fusion: 'reciprocal-rank fusion of the retrieval lists, relative to the best',
  shared_s3: 'Jaccard overlap of S3 areas',
  shared_sectors: 'overlap of economic-activity divisions (first two digits of NACE/ATECO codes)',
  same_region: '1 when in the same region',
  past_partner: 'projects carried out together, log-scaled relative to the candidate with the most',
  recent_partner: 'projects carried out together weighted by age (halving every two years before the latest project in the history), relative to the best candidate',
  area_partner: 'projects carried out together in the programme area asked for, log-scaled relative to the candidate with the most',
  tie_strength: 'projects carried out together, each weighted 1 / (consortium size - 1), relative to the best candidate',
  shared_partners: 'partners in common over √(your partners × theirs) (Salton index)',
  resource_allocation: 'Σ over partners in common of 1 / their number of partners, relative to the best candidate',
  random_walk: 'two-step random walk from you along shared projects, relative to the best candidate',
  same_programme: 'projects in the programme area asked for (or in yours), log-scaled relative to the most active candidate',
  kind_mix: 'share of your past partners (by shared projects) of the candidate\'s kind (university, company, ...)',
  country_mix: 'share of your past partners (by shared projects) in the candidate\'s country',
  freshness: 'exp(-age in days / 365) of the last update'
} as const

export type Feature = keyof typeof FEATURES
export type Weights = Record<Feature, number>

export const DEFAULT_WEIGHTS: Weights = {
  semantic_fit: 0.35,
  semantic_reverse: 0.15,
  two_sided: 0.2,
  phrase_match: 0.6,
  lexical: 0.05,
  fusion: 0.1,
  shared_s3: 0.05,
  shared_sectors: 0.05,
  same_region: 0.03,
  past_partner: 0.05,
  recent_partner: 0,
  area_partner: 0,
  tie_strength: 0,
  shared_partners: 0.05,
  resource_allocation: 0,
  random_walk: 0,
  same_programme: 0.05,
  kind_mix: 0,
  country_mix: 0,
  freshness: 0.02
}

/**
 * Weights as applied: divided by the sum of their absolute values, so that a score is at most 1 (and
 * at least 0 with non-negative weights, every feature being within [0, 1]). Rankings do not change;
 * `explain` shows the applied weights, and the contributions add up to the score.
 */
export function unitScale<F extends string> (weights: Record<F, number>): Record<F, number> {
  let total = 0
  for (const f in weights) total += Math.abs(weights[f])
  if (total === 0) return weights
  const out = {} as Record<F, number>
  for (const f in weights) out[f] = Math.round(weights[f] / total * 1e6) / 1e6
  return out
}

/** Parses RANKING_WEIGHTS over the defaults; names the bad key or value. */
export function parseWeights (json: string | undefined): Weights {
  if (!json) return { ...DEFAULT_WEIGHTS }
  let given: unknown
  try { given = JSON.parse(json) } catch (err) { throw new Error(`RANKING_WEIGHTS is not JSON: ${(err as Error).message}`) }
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new Error('RANKING_WEIGHTS must be a JSON object of feature → weight')
  const weights = { ...DEFAULT_WEIGHTS }
  for (const [key, value] of Object.entries(given)) {
    if (!(key in FEATURES)) throw new Error(`RANKING_WEIGHTS: unknown feature "${key}" (known: ${Object.keys(FEATURES).join(', ')})`)
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`RANKING_WEIGHTS.${key} must be a number >= 0`)
    weights[key as Feature] = value
  }
  return weights
}

/**
 * Inner product (the cosine of unit vectors). Four running sums: the additions no longer wait on one
 * another, about twice as fast as one sum here (re-ranking computes thousands per request).
 */
export function dot (a: Float32Array, b: Float32Array): number {
  const n = a.length
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let i = 0
  for (; i + 3 < n; i += 4) {
    s0 += (a[i] as number) * (b[i] as number)
    s1 += (a[i + 1] as number) * (b[i + 1] as number)
    s2 += (a[i + 2] as number) * (b[i + 2] as number)
    s3 += (a[i + 3] as number) * (b[i + 3] as number)
  }
  for (; i < n; i++) s0 += (a[i] as number) * (b[i] as number)
  return s0 + s1 + s2 + s3
}

export function jaccard (a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0
  // Taxonomy lists are short: comparing them pairwise beats building two sets (ranking does it per candidate).
  if (a.length <= 8 && b.length <= 8) {
    let ua = 0
    let ub = 0
    let both = 0
    for (let i = 0; i < a.length; i++) {
      if (a.indexOf(a[i] as string) !== i) continue
      ua++
      if (b.includes(a[i] as string)) both++
    }
    for (let j = 0; j < b.length; j++) if (b.indexOf(b[j] as string) === j) ub++
    return both / (ua + ub - both)
  }
  const sa = new Set(a)
  const sb = new Set(b)
  let both = 0
  for (const x of sa) if (sb.has(x)) both++
  return both / (sa.size + sb.size - both)
}

/** Each sector code's division, as worked out once: ranking asks for the same few codes per candidate. */
const divisionOf = new Map<string, string | null>()

/** Sector codes reduced to their division (first two digits): "C.28.1" and "28.99" share "28". */
export function divisions (codes: readonly string[]): string[] {
  const out: string[] = []
  for (const c of codes) {
    let d = divisionOf.get(c)
    if (d === undefined) {
      d = /(\d{2})/.exec(c)?.[1] ?? null
      // Codes come from a taxonomy of a few thousand; a bound keeps stray input from growing it.
      if (divisionOf.size < 50_000) divisionOf.set(c, d)
    }
    if (d !== null && !out.includes(d)) out.push(d)
  }
  return out
}

/** Features of opportunity recommendations for a person (weights: DEFAULT_RECOMMENDATION_WEIGHTS). */
export const RECOMMENDATION_FEATURES = {
  interest_fit: 'cosine of your interests with the item',
  expertise_fit: 'cosine of your expertise with what the item seeks',
  organization_fit: "cosine of your organisation's competencies with what the item seeks",
  engagement: 'cosine of the item with the items you clicked, showed interest in or accepted contact for',
  lexical: 'BM25 score relative to the best',
  fusion: 'reciprocal-rank fusion of the retrieval lists, relative to the best',
  shared_s3: 'Jaccard overlap of S3 areas',
  deadline: 'an approaching deadline: 1 - days left / 30 within the last 30 days',
  freshness: 'exp(-age in days / 90) of the item (news and discussions age fast)'
} as const

export type RecommendationFeature = keyof typeof RECOMMENDATION_FEATURES

export const DEFAULT_RECOMMENDATION_WEIGHTS: Record<RecommendationFeature, number> = {
  interest_fit: 0.35,
  expertise_fit: 0.2,
  organization_fit: 0.1,
  engagement: 0.2,
  lexical: 0.05,
  fusion: 0.1,
  shared_s3: 0.05,
  deadline: 0.05,
  freshness: 0.05
}

/**
 * Maximal marginal relevance, tuned to near-duplicates: picks items one at a time, each maximising
 * λ · relevance − (1 − λ) · redundancy, where redundancy is the highest similarity to an item already
 * picked, counted only above `nearDuplicate` and scaled to [0, 1]. Items on one theme may follow each
 * other; two versions of the same item may not. Items without a vector are never penalised.
 *
 * Greedy picks are a prefix property (the first k do not depend on how many follow), so only the first
 * `depth` are chosen this way (the pages being served); the rest follow in their given order.
 * An item's value is at most λ · relevance, so when the items come by relevance (as rankers pass
 * them) a round stops at the first item that cannot beat the best so far, and an item is compared
 * with the picks only when it is looked at (catching up on the picks it missed): the same picks as
 * comparing every item with every pick, for a fraction of the similarities.
 */
export function diversify<T> (items: readonly T[], relevance: (t: T) => number, vector: (t: T) => Float32Array | undefined, lambda = 0.8, nearDuplicate = 0.6, depth = Infinity): T[] {
  const n = items.length
  const vectors = items.map(vector)
  const rel = items.map(relevance)
  const top = Math.max(...rel, 1e-9)
  let sorted = true
  for (let i = 1; i < n && sorted; i++) if ((rel[i] as number) > (rel[i - 1] as number)) sorted = false
  const maxSim = new Float64Array(n)
  const seen = new Uint32Array(n)
  const taken = new Uint8Array(n)
  const picks: Array<Float32Array | undefined> = []
  const picked: T[] = []
  for (let round = 0; round < Math.min(n, depth); round++) {
    let bestIndex = -1
    let best = -Infinity
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue
      const bound = lambda * ((rel[i] as number) / top)
      if (sorted && bound <= best) break
      const v = vectors[i]
      if (v) {
        let m = maxSim[i] as number
        for (let p = seen[i] as number; p < picks.length; p++) {
          const w = picks[p]
          if (w) m = Math.max(m, dot(v, w))
        }
        maxSim[i] = m
        seen[i] = picks.length
      }
      const redundancy = Math.max(0, (maxSim[i] as number) - nearDuplicate) / (1 - nearDuplicate)
      const value = bound - (1 - lambda) * redundancy
      if (value > best) { best = value; bestIndex = i }
    }
    taken[bestIndex] = 1
    picked.push(items[bestIndex] as T)
    picks.push(vectors[bestIndex])
  }
  for (let i = 0; i < n; i++) if (!taken[i]) picked.push(items[i] as T)
  return picked
}

/** Features that rank people as candidates for a proposal. */
export const PERSON_CANDIDATE_WEIGHTS = {
  /** cosine of what the proposal seeks with the person's expertise */
  expertise_fit: 0.4,
  /** cosine of the proposal with the person's interests */
  interest_fit: 0.3,
  /** mean best similarity of the proposal's sought phrases to the person's expertise phrases */
  phrase_match: 0.15,
  fusion: 0.1,
  shared_s3: 0.05
} as const

export interface FeatureTerm { value: number, weight: number, contribution: number }

/** The score alone (Σ weight × feature, in the same order as weightedScore): ranking a pool needs no terms. */
export function weightedSum<F extends string> (values: Record<F, number>, weights: Record<F, number>): number {
  let score = 0
  for (const name in values) score += values[name] * weights[name]
  return score
}

/** Σ weight × value, with every term kept for `explain=true` (values rounded to 4 decimals for display). */
export function weightedScore<F extends string> (values: Record<F, number>, weights: Record<F, number>): { score: number, features: Record<F, FeatureTerm> } {
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000
  let score = 0
  const features = {} as Record<F, FeatureTerm>
  for (const name of Object.keys(values) as F[]) {
    const contribution = values[name] * weights[name]
    score += contribution
    features[name] = { value: r4(values[name]), weight: weights[name], contribution: r4(contribution) }
  }
  return { score, features }
}
