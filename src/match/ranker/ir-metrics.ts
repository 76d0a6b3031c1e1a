// Ranking metrics, used by the ranker's trainer (offline metrics of a trained model) and the quality
// benchmarks: graded relevance, gain = relevance (as pytrec_eval), and a fixed tune / held-out split.

/** Relevance judgements: query id -> document id -> grade. */
export type Qrels = Map<string, Map<string, number>>

/** nDCG@k of one ranked id list: DCG = Σ gain_i / log2(i + 1) over ranks i = 1..k, divided by the ideal DCG. */
export function ndcgAt (ranked: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  let dcg = 0
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    const gain = relevant.get(ranked[i] as string) ?? 0
    if (gain > 0) dcg += gain / Math.log2(i + 2)
  }
  const ideal = [...relevant.values()].filter((g) => g > 0).sort((a, b) => b - a)
  let idcg = 0
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += (ideal[i] as number) / Math.log2(i + 2)
  return idcg > 0 ? dcg / idcg : 0
}

/** Recall@k: the share of the relevant documents found in the first k. */
export function recallAt (ranked: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  let total = 0
  for (const g of relevant.values()) if (g > 0) total++
  if (total === 0) return 0
  let found = 0
  for (const id of ranked.slice(0, k)) if ((relevant.get(id) ?? 0) > 0) found++
  return found / total
}

/** Reciprocal rank of the first relevant document within the first k (0 when none). */
export function reciprocalRankAt (ranked: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  for (let i = 0; i < Math.min(k, ranked.length); i++) if ((relevant.get(ranked[i] as string) ?? 0) > 0) return 1 / (i + 1)
  return 0
}

export const mean = (xs: readonly number[]): number => xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : 0

/** Standard error of the mean (sample deviation / √n). */
export function stderr (xs: readonly number[]): number {
  if (xs.length < 2) return 0
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length)
}

/** Fixed split: FNV-1a of the query id, even = tune, odd = held-out. Independent of file order. */
export function half (id: string): 'tune' | 'held-out' {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h % 2 === 0 ? 'tune' : 'held-out'
}
