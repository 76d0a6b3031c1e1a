import type { Analyzer } from './analyzers.ts'

// Lucene's BM25 defaults, as Elasticsearch uses them.
const K1 = 1.2
const B = 0.75

/**
 * An inverted index of one text field under one analyzer, scored with Lucene's BM25
 * (idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf part = f / (f + k1 (1 - b + b dl / avgdl))).
 */
export class Bm25Field {
  private readonly postings = new Map<string, Map<string, number>>()
  private readonly docTerms = new Map<string, Map<string, number>>()
  private readonly lengths = new Map<string, number>()
  private totalLength = 0

  constructor (private readonly analyze: Analyzer) {}

  set (id: string, text: string | undefined): void {
    this.remove(id)
    if (!text) return
    const terms = this.analyze(text)
    if (terms.length === 0) return
    const tf = new Map<string, number>()
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1)
    for (const [t, f] of tf) {
      let posting = this.postings.get(t)
      if (!posting) this.postings.set(t, posting = new Map())
      posting.set(id, f)
    }
    this.docTerms.set(id, tf)
    this.lengths.set(id, terms.length)
    this.totalLength += terms.length
  }

  remove (id: string): void {
    const tf = this.docTerms.get(id)
    if (!tf) return
    for (const t of tf.keys()) {
      const posting = this.postings.get(t) as Map<string, number>
      posting.delete(id)
      if (posting.size === 0) this.postings.delete(t)
    }
    this.docTerms.delete(id)
    this.totalLength -= this.lengths.get(id) ?? 0
    this.lengths.delete(id)
  }

  /** Adds boost × BM25 of `query` to `scores` for every document that matches a term (and passes `accept`, when given). */
  score (query: string, boost: number, scores: Map<string, number>, accept?: (id: string) => boolean): void {
    const n = this.lengths.size
    if (n === 0) return
    const avgdl = this.totalLength / n
    for (const term of this.analyze(query)) {
      const posting = this.postings.get(term)
      if (!posting) continue
      const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5))
      for (const [id, f] of posting) {
        if (accept && !accept(id)) continue
        const dl = this.lengths.get(id) as number
        const s = boost * idf * f / (f + K1 * (1 - B + B * dl / avgdl))
        scores.set(id, (scores.get(id) ?? 0) + s)
      }
    }
  }
}
