/**
 * Re-ranking in the page from `explain` output. A score is Σ weight × value over the features, the
 * weights applied divided by the sum of their absolute values (docs/ranking.md, "Scores"): given
 * each result's feature values, any other weights give the score the service would have given.
 * Only the results fetched can be re-ranked: a candidate outside that pool stays unseen.
 */
export interface Explained {
  id: string
  score: number
  features?: Record<string, { value: number, weight: number, contribution: number } | undefined>
}

export type WeightTable = Record<string, number>

/** The weights a response applied (unit-scaled), read from the first explained result. */
export function appliedWeights (results: readonly Explained[]): WeightTable {
  const out: WeightTable = {}
  for (const r of results) {
    for (const [f, term] of Object.entries(r.features ?? {})) if (term && !(f in out)) out[f] = term.weight
  }
  return out
}

/** Weights divided by the sum of their absolute values (as the service applies them). */
export function unitScale (weights: WeightTable): WeightTable {
  const total = Object.values(weights).reduce((s, w) => s + Math.abs(w), 0)
  if (total === 0) return { ...weights }
  return Object.fromEntries(Object.entries(weights).map(([f, w]) => [f, w / total]))
}

export function scoreWith (result: Explained, weights: WeightTable): number {
  const unit = unitScale(weights)
  let score = 0
  for (const [f, w] of Object.entries(unit)) score += w * (result.features?.[f]?.value ?? 0)
  return score
}

export interface Reranked<T extends Explained> {
  result: T
  score: number
  /** 0-based place in the given (current) order. */
  before: number
}

/** The results in the order `weights` give (ties keep the current order). */
export function rerank<T extends Explained> (results: readonly T[], weights: WeightTable): Array<Reranked<T>> {
  return results
    .map((result, before) => ({ result, score: Math.round(scoreWith(result, weights) * 1e6) / 1e6, before }))
    .sort((a, b) => b.score - a.score || a.before - b.before)
}

/** Whether two weight tables rank alike (equal once unit-scaled, to 4 decimals). */
export function sameWeights (a: WeightTable, b: WeightTable): boolean {
  const ua = unitScale(a)
  const ub = unitScale(b)
  const keys = new Set([...Object.keys(ua), ...Object.keys(ub)])
  for (const k of keys) if (Math.abs((ua[k] ?? 0) - (ub[k] ?? 0)) > 5e-5) return false
  return true
}
