import hnswlib from 'hnswlib-node'
import type { HierarchicalNSW } from 'hnswlib-node'
import type { Hit } from '../../ports/retrieval.ts'
import { VectorColumn } from './vector-column.ts'

/** How the column chooses between its HNSW graph and the exact scan (bench/ann-index.ts measured them). */
export interface AnnOptions {
  /**
   * The graph answers only when about this many rows pass the filter (column size times the share of
   * a sample that passes). Below it the exact scan is as fast or faster: hnswlib's filtered search
   * visits about ef / share rows, each asking the filter through a call from C++ into JS, where the scan
   * costs one dot product a row (measured crossover: about 1,000 rows admitted).
   */
  minAdmitted: number
  /** Rows of the column asked about `accept` to estimate the share it admits. */
  sample: number
  /** HNSW links per node (M) and candidate list while inserting (efConstruction), as Elasticsearch's mapping. */
  m: number
  efConstruction: number
  /** Candidate list while searching: max(efSearch, k). */
  efSearch: number
}

export const ANN_DEFAULTS: Readonly<AnnOptions> = { minAdmitted: 1000, sample: 64, m: 16, efConstruction: 128, efSearch: 128 }

/**
 * One facet's vectors of one kind, searched approximately through an HNSW graph (hnswlib-node, a
 * native addon compiled at install) when that is faster, and exactly (VectorColumn) otherwise: in
 * bench/ann-index.ts, at 40,000 384-d vectors, the graph answers 12-27x as many searches a second as
 * the scan with no filter or one admitting half the rows, 3.4-4x with a filter admitting 10%, each
 * with recall@20 of 0.997 or more; with filters admitting 2% or fewer it is slower than the scan.
 * Both hold every vector: the scan for small or selectively filtered searches, and to score the
 * graph's hits with the scan's own numbers (same scores, ties by id, whichever path answered).
 */
export class AnnColumn {
  private readonly exact: VectorColumn
  private readonly graph: HierarchicalNSW
  /** Read at every search (bench/ann-index.ts turns the routing off through it). */
  readonly options: AnnOptions
  /** Each graph label's id (null once removed: the label is reused, as VectorColumn reuses rows). */
  private readonly ids: Array<string | null> = []
  private readonly labelOf = new Map<string, number>()
  private readonly free: number[] = []
  private capacity: number
  private next = 0
  /** How many searches each path answered (for tests and diagnostics). */
  readonly answered = { graph: 0, exact: 0 }

  constructor (dims: number, options: Partial<AnnOptions> = {}, capacity = 256) {
    this.options = { ...ANN_DEFAULTS, ...options }
    this.exact = new VectorColumn(dims, capacity)
    this.capacity = capacity
    this.graph = new hnswlib.HierarchicalNSW('ip', dims)
    this.graph.initIndex({ maxElements: capacity, m: this.options.m, efConstruction: this.options.efConstruction, randomSeed: 100 })
  }

  get size (): number {
    return this.exact.size
  }

  set (id: string, vector: Float32Array | undefined): void {
    if (!vector) return this.remove(id)
    this.exact.set(id, vector) // checks the dimensions
    let label = this.labelOf.get(id)
    if (label === undefined) {
      label = this.free.pop() ?? this.next++
      if (label >= this.capacity) this.graph.resizeIndex(this.capacity *= 2)
      this.ids[label] = id
      this.labelOf.set(id, label)
    }
    // A label already in the graph (this id's, or a removed one's) is unmarked and its vector replaced.
    this.graph.addPoint(Array.from(vector), label)
  }

  remove (id: string): void {
    const label = this.labelOf.get(id)
    if (label === undefined) return
    this.exact.remove(id)
    this.graph.markDelete(label)
    this.labelOf.delete(id)
    this.ids[label] = null
    this.free.push(label)
  }

  /** Like VectorColumn.search: the k rows most similar to `query` that `accept` admits, best first, ties by id. */
  search (query: Float32Array, k: number, accept: (id: string) => boolean): Hit[] {
    if (k <= 0) return []
    const share = this.admittedShare(accept)
    if (this.size * share < this.options.minAdmitted || k >= this.size) return this.scan(query, k, accept)
    const q = Array.from(query)
    this.graph.setEf(Math.max(this.options.efSearch, k))
    let hits: Hit[] | null = null
    if (share === 1) {
      // Every sampled row passed: search without the filter (no call into JS per visited node) and
      // check the k found; only if one fails, search again with it.
      const found = this.hits(this.graph.searchKnn(q, k).neighbors, query)
      if (found.length === k && found.every((h) => accept(h.id))) hits = found
    }
    hits ??= this.hits(this.graph.searchKnn(q, k, (label) => { const id = this.ids[label]; return id !== null && id !== undefined && accept(id) }).neighbors, query)
    // Fewer than k found though enough rows pass: the scan, which finds every one.
    if (hits.length < k) return this.scan(query, k, accept)
    this.answered.graph++
    return hits
  }

  private scan (query: Float32Array, k: number, accept: (id: string) => boolean): Hit[] {
    this.answered.exact++
    return this.exact.search(query, k, accept)
  }

  private hits (labels: number[], query: Float32Array): Hit[] {
    const hits: Hit[] = []
    for (const label of labels) {
      const id = this.ids[label]
      const score = id ? this.exact.score(id, query) : undefined
      if (id && score !== undefined) hits.push({ id, score })
    }
    return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /** The share of a spread sample of rows that `accept` admits (1 when every sampled row passes). */
  private admittedShare (accept: (id: string) => boolean): number {
    const rows = this.ids.length
    if (rows === 0) return 0
    const step = Math.max(1, Math.floor(rows / this.options.sample))
    let seen = 0
    let passed = 0
    for (let label = step >> 1; label < rows && seen < this.options.sample; label += step) {
      const id = this.ids[label]
      if (id === null || id === undefined) continue
      seen++
      if (accept(id)) passed++
    }
    return seen === 0 ? 1 : passed / seen
  }
}
