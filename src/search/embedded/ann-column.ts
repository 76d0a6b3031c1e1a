import { createRequire } from 'node:module'
import type * as Hnswlib from 'hnswlib-node'
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
  /** HNSW links per node (M, 16 as in the Elasticsearch mapping) and candidate list while inserting (efConstruction). */
  m: number
  efConstruction: number
  /** Candidate list while searching: max(efSearch, k). */
  efSearch: number
}

/**
 * hnswlib-node's addon, loaded here so that a missing one (installed with --ignore-scripts, or no
 * compiler where it was installed) leaves the exact scan answering every search instead of failing the
 * import; ANN_UNAVAILABLE says why (the tests fail on it).
 */
const native = ((): { lib: typeof Hnswlib } | { error: string } => {
  try {
    return { lib: createRequire(import.meta.url)('hnswlib-node') as typeof Hnswlib }
  } catch (err) {
    return { error: `hnswlib-node did not load (${(err as Error).message.split('\n')[0]}): kNN is the exact scan` }
  }
})()
export const ANN_UNAVAILABLE: string | null = 'error' in native ? native.error : null

export const ANN_DEFAULTS: Readonly<AnnOptions> = { minAdmitted: 1000, sample: 64, m: 16, efConstruction: 128, efSearch: 128 }

/**
 * One facet's vectors of one kind, searched approximately through an HNSW graph (hnswlib-node, a
 * native addon compiled at install) when that is faster, and exactly (VectorColumn) otherwise. In
 * bench/ann-index.ts, at 40,000 384-d vectors the graph answered 11-40x as many searches a second as
 * the scan with no filter or one admitting half the rows, 3.6-3.8x with one admitting 10%, recall@20
 * 0.998 against the scan (0.997 on real bge-small vectors of 5,183 abstracts); with filters admitting
 * a few hundred rows it is slower than the scan, hence the routing. Both hold every vector: the scan
 * answers small or selectively filtered searches, and scores the graph's hits with its own numbers
 * (same scores, ties by id, whichever path answered).
 */
export class AnnColumn {
  private readonly exact: VectorColumn
  private readonly graph: HierarchicalNSW | null = null
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
    if ('lib' in native) {
      this.graph = new native.lib.HierarchicalNSW('ip', dims)
      this.graph.initIndex({ maxElements: capacity, m: this.options.m, efConstruction: this.options.efConstruction, randomSeed: 100 })
    }
  }

  get size (): number {
    return this.exact.size
  }

  set (id: string, vector: Float32Array | undefined): void {
    if (!vector) return this.remove(id)
    this.exact.set(id, vector) // checks the dimensions
    if (!this.graph) return
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
    this.exact.remove(id)
    const label = this.labelOf.get(id)
    if (label === undefined || !this.graph) return
    this.graph.markDelete(label)
    this.labelOf.delete(id)
    this.ids[label] = null
    this.free.push(label)
  }

  /** Like VectorColumn.search: the k rows most similar to `query` that `accept` admits, best first, ties by id. */
  search (query: Float32Array, k: number, accept: (id: string) => boolean): Hit[] {
    if (k <= 0) return []
    const graph = this.graph
    const share = graph && k < this.size ? this.admittedShare(accept) : 0
    if (!graph || this.size * share < this.options.minAdmitted) return this.scan(query, k, accept)
    const q = Array.from(query)
    graph.setEf(Math.max(this.options.efSearch, k))
    let hits: Hit[] | null = null
    if (share === 1) {
      // Every sampled row passed: search without the filter (no call into JS per visited node) and
      // check the k found; only if one fails, search again with it.
      const found = this.hits(graph.searchKnn(q, k).neighbors, query)
      if (found.length === k && found.every((h) => accept(h.id))) hits = found
    }
    hits ??= this.hits(graph.searchKnn(q, k, (label) => { const id = this.ids[label]; return id !== null && id !== undefined && accept(id) }).neighbors, query)
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
