/**
 * A linear ranker fitted with a pairwise logistic loss (RankNet with a linear scorer): for every pair
 * of items of one query where item a should rank above item b, the loss is log(1 + exp(-(w·x_a - w·x_b))),
 * weighted. The result is one weight per feature, used exactly as the hand-set weights are
 * (score = Σ weight × value), so every result's per-feature contributions can still be shown.
 *
 * Features are scaled by the spread of their differences within pairs before fitting (the weights
 * are turned back to the raw scale afterwards), which makes one step size fit all. A feature that
 * never differs within a pair (constant, or constant within each query, like a seeker-only value)
 * carries no ranking information: it is not fitted and keeps its prior weight. The fitted weights are
 * pulled towards the prior by an L2 penalty, and finally rescaled so that their absolute sum equals
 * the prior's over the same features: the learned features keep, together, the share of the score the
 * hand-set weights gave them, and the features that could not be learned keep theirs.
 *
 * Full-batch Adam over all pairs; deterministic (pairs are drawn with a seeded generator).
 */

export interface TrainingItem {
  /** Feature values, in the order of `features`. */
  x: readonly number[]
  /** Higher ranks above lower (1 relevant, 0 not). */
  label: number
  /** How much a pair this item loses in counts (an unclicked impression: below 1). */
  weight: number
}

export type TrainingGroup = readonly TrainingItem[]

export interface FitOptions {
  /** The prior (hand-set) weight of each feature. */
  prior: readonly number[]
  /** L2 strength towards the prior, in the standardised scale. */
  l2?: number
  iterations?: number
  learningRate?: number
  /** At most this many lower-labelled items per higher-labelled item of a group (drawn at random). */
  pairsPerItem?: number
  seed?: number
}

export interface FitResult {
  weights: number[]
  /** Which features were fitted (the others kept their prior). */
  fitted: boolean[]
  pairs: number
  /** Mean pair loss before (prior weights) and after fitting, in the standardised scale. */
  lossBefore: number
  lossAfter: number
}

export function fitPairwise (groups: readonly TrainingGroup[], options: FitOptions): FitResult {
  const { prior } = options
  const d = prior.length
  const l2 = options.l2 ?? 1e-3
  const iterations = options.iterations ?? 300
  const lr = options.learningRate ?? 0.05
  const perItem = options.pairsPerItem ?? 50
  const random = mulberry32(options.seed ?? 1)

  // Pairs as difference vectors x_a - x_b, with their weight.
  const diffs: number[] = []
  const pairWeights: number[] = []
  for (const g of groups) {
    for (const a of g) {
      const lower = g.filter((b) => b.label < a.label)
      const chosen = lower.length <= perItem ? lower : sample(lower, perItem, random)
      for (const b of chosen) {
        for (let j = 0; j < d; j++) diffs.push((a.x[j] as number) - (b.x[j] as number))
        pairWeights.push(a.weight * b.weight)
      }
    }
  }
  // Each feature's scale: the root mean square of its differences within pairs. A feature that is the
  // same on both sides of every pair (constant, or constant within each query) cannot be learned.
  const sd = Array.from({ length: d }, () => 0)
  for (let p = 0; p < pairWeights.length; p++) for (let j = 0; j < d; j++) sd[j] = (sd[j] as number) + (diffs[p * d + j] as number) ** 2
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt((sd[j] as number) / Math.max(1, pairWeights.length))
  const fitted = sd.map((s) => s > 1e-9)
  for (let p = 0; p < pairWeights.length; p++) for (let j = 0; j < d; j++) diffs[p * d + j] = fitted[j] ? (diffs[p * d + j] as number) / (sd[j] as number) : 0
  const pairs = pairWeights.length
  const priorStd = prior.map((w, j) => fitted[j] ? w * (sd[j] as number) : 0)
  const theta = Float64Array.from(priorStd)
  const totalWeight = pairWeights.reduce((s, w) => s + w, 0) || 1

  const lossAt = (w: Float64Array): number => {
    let loss = 0
    for (let p = 0; p < pairs; p++) {
      let z = 0
      for (let j = 0; j < d; j++) z += (w[j] as number) * (diffs[p * d + j] as number)
      loss += (pairWeights[p] as number) * softplus(-z)
    }
    return loss / totalWeight
  }
  const lossBefore = pairs > 0 ? lossAt(theta) : 0

  const m = new Float64Array(d)
  const v = new Float64Array(d)
  const grad = new Float64Array(d)
  const rounds = pairs > 0 ? iterations : 0
  for (let t = 1; t <= rounds; t++) {
    grad.fill(0)
    for (let p = 0; p < pairs; p++) {
      let z = 0
      const base = p * d
      for (let j = 0; j < d; j++) z += (theta[j] as number) * (diffs[base + j] as number)
      // d/dz log(1 + e^-z) = -1 / (1 + e^z)
      const g = -(pairWeights[p] as number) / (1 + Math.exp(z)) / totalWeight
      for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + g * (diffs[base + j] as number)
    }
    for (let j = 0; j < d; j++) {
      if (!fitted[j]) continue
      const gj = (grad[j] as number) + l2 * ((theta[j] as number) - (priorStd[j] as number))
      m[j] = 0.9 * (m[j] as number) + 0.1 * gj
      v[j] = 0.999 * (v[j] as number) + 0.001 * gj * gj
      const mHat = (m[j] as number) / (1 - 0.9 ** t)
      const vHat = (v[j] as number) / (1 - 0.999 ** t)
      theta[j] = (theta[j] as number) - lr * mHat / (Math.sqrt(vHat) + 1e-8)
    }
  }
  const lossAfter = pairs > 0 ? lossAt(theta) : 0

  // Back to the raw scale, then rescaled to the prior's share of the fitted features.
  const raw = prior.map((w, j) => fitted[j] ? (theta[j] as number) / (sd[j] as number) : w)
  const priorShare = prior.reduce((s, w, j) => s + (fitted[j] ? Math.abs(w) : 0), 0)
  const rawShare = raw.reduce((s, w, j) => s + (fitted[j] ? Math.abs(w) : 0), 0)
  const scale = rawShare > 0 ? Math.max(priorShare, 0.25) / rawShare : 1
  const weights = raw.map((w, j) => fitted[j] ? round(w * scale) : w)
  return { weights, fitted, pairs, lossBefore: round(lossBefore), lossAfter: round(lossAfter) }
}

function softplus (x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x))
}

function round (x: number): number {
  return Math.round(x * 1e6) / 1e6
}

/** `k` items drawn without replacement (partial Fisher–Yates on a copy). */
function sample<T> (items: readonly T[], k: number, random: () => number): T[] {
  const copy = items.slice()
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (copy.length - i))
    const tmp = copy[i] as T
    copy[i] = copy[j] as T
    copy[j] = tmp
  }
  return copy.slice(0, k)
}

/** A small seeded generator (Mulberry32): the same pairs on every run. */
function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
