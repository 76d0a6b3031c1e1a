/**
 * Quoted phrases in a search: `"stampa 3D in metallo"` asks for those words together, in that order.
 * Ranking by terms (BM25) and by meaning (kNN) both ignore word order, so the records that hold every
 * quoted phrase verbatim (case, accents and punctuation aside) are moved ahead of the rest of the
 * fused list, each group keeping its order. A query without quotes is ranked as it is.
 */

/** Lower case, accents stripped, anything but letters and digits as single spaces. */
export function normalise (text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()
}

/** The query's quoted phrases ("…", “…” or «…»), normalised; a quoted single word counts too. */
export function quotedPhrases (q: string): string[] {
  const out: string[] = []
  for (const m of q.matchAll(/"([^"]+)"|“([^”]+)”|«([^»]+)»/g)) {
    const phrase = normalise(m[1] ?? m[2] ?? m[3] ?? '')
    if (phrase && !out.includes(phrase)) out.push(phrase)
  }
  return out
}

/** The results holding every phrase first (stable: each group keeps its order). */
export function phraseHitsFirst<T> (results: readonly T[], phrases: readonly string[], textOf: (r: T) => string): T[] {
  if (phrases.length === 0) return [...results]
  const hits: T[] = []
  const rest: T[] = []
  for (const r of results) {
    const text = ` ${normalise(textOf(r))} `
    ;(phrases.every((p) => text.includes(` ${p} `)) ? hits : rest).push(r)
  }
  return [...hits, ...rest]
}
