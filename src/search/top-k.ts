import type { Hit } from '../ports/retrieval.ts'

/**
 * The k best (id, score) pairs, best first, ties broken by id. Keeps a sorted buffer of at most k
 * entries, so memory is O(k) however many candidates stream past. `accept`, when given, is asked
 * only about entries that would enter the buffer: the same result as filtering first, for fewer checks.
 */
export function topK (entries: Iterable<[string, number]>, k: number, accept?: (id: string) => boolean): Hit[] {
  const best: Hit[] = []
  const worse = (a: Hit, b: Hit) => a.score < b.score || (a.score === b.score && a.id > b.id)
  for (const [id, score] of entries) {
    const hit = { id, score }
    if (best.length === k && !worse(best[k - 1] as Hit, hit)) continue
    if (accept && !accept(id)) continue
    let lo = 0
    let hi = best.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (worse(best[mid] as Hit, hit)) hi = mid
      else lo = mid + 1
    }
    best.splice(lo, 0, hit)
    if (best.length > k) best.pop()
  }
  return best
}
