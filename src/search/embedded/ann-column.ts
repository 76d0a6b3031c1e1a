import { createRequire } from 'node:module'
import type * as Hnswlib from 'hnswlib-node'
import type { HierarchicalNSW } from 'hnswlib-node'
import type { Hit } from '../../ports/retrieval.ts'
import { takeTurn } from '../../loop-turns.ts'
import { VectorColumn } from './vector-column.ts'
import { dataDigest, readGraph, writeGraph } from './ann-graph-file.ts'

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
const native = ((): { lib: typeof Hnswlib | null, error: string | null } => {
  try {
    return { lib: createRequire(import.meta.url)('hnswlib-node') as typeof Hnswlib, error: null }
  } catch (err) {
    return { lib: null, error: `hnswlib-node did not load (${(err as Error).message.split('\n')[0]}): kNN is the exact scan` }
  }
})()
export const ANN_UNAVAILABLE: string | null = native.error

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
 *
 * The graph can be kept on disk (`save`, `load`: ann-graph-file.ts) so that a restart does not
 * rebuild it (0.74 ms a vector). While it is deferred (the refill at start), loading, being rebuilt
 * or written, the column's changes wait in `lagging` and are applied to the graph afterwards; a
 * search through the graph meanwhile scores the lagging rows exactly beside the graph's hits.
 */
export class AnnColumn {
  private readonly exact: VectorColumn
  private graph: HierarchicalNSW | null = null
  /**
   * ready: searches may go through the graph; deferred: no graph yet (changes only collected: the
   * refill at start, before a saved graph is loaded); building: a graph is being built in the
   * background (the scan answers); closed: the column is discarded, a build stops.
   */
  private state: 'ready' | 'deferred' | 'building' | 'closed' = 'ready'
  /** Read at every search (bench/ann-index.ts turns the routing off through it). */
  readonly options: AnnOptions
  /** Each graph label's id (null once removed: the label is reused, as VectorColumn reuses rows). */
  private ids: Array<string | null> = []
  private labelOf = new Map<string, number>()
  private free: number[] = []
  private capacity: number
  /** Ids whose row in the graph lags the exact column (added, changed or removed since). */
  private readonly lagging = new Set<string>()
  /** A write of the graph to disk is under way (hnswlib reads it on another thread): changes wait in `lagging`. */
  private writing = false
  /** Changes applied to the graph since it was built, loaded or written. */
  private unsaved = 0
  /** How the graph in use came about, and why a saved one was not used. */
  private origin: { source: 'inserted' | 'loaded' | 'built', ms: number, rejected?: string } = { source: 'inserted', ms: 0 }
  /** How many searches each path answered (for tests and diagnostics). */
  readonly answered = { graph: 0, exact: 0 }

  constructor (readonly dims: number, options: Partial<AnnOptions> = {}, capacity = 256) {
    this.options = { ...ANN_DEFAULTS, ...options }
    this.exact = new VectorColumn(dims, capacity)
    this.capacity = capacity
    this.graph = this.newGraph(capacity)
  }

  get size (): number {
    return this.exact.size
  }

  /** Where the graph stands: whether searches may use it, how it came about, changes not yet in it or not yet on disk. */
  status (): { state: 'ready' | 'deferred' | 'building' | 'closed' | 'unavailable', source: 'inserted' | 'loaded' | 'built', ms: number, rejected?: string, lagging: number, unsaved: number } {
    return { state: this.graph || this.state !== 'ready' ? this.state : 'unavailable', ...this.origin, lagging: this.lagging.size, unsaved: this.unsaved }
  }

  set (id: string, vector: Float32Array | undefined): void {
    if (!vector) return this.remove(id)
    this.exact.set(id, vector) // checks the dimensions
    this.changed(id)
  }

  remove (id: string): void {
    this.exact.remove(id)
    this.changed(id)
  }

  private changed (id: string): void {
    if (!native.lib) return
    if (this.state === 'ready' && !this.writing && this.graph) this.apply(this.graph, id)
    else this.lagging.add(id)
  }

  /** Brings `id`'s row of `graph` in line with the exact column. */
  private apply (graph: HierarchicalNSW, id: string): void {
    const vector = this.exact.vector(id)
    let label = this.labelOf.get(id)
    this.unsaved++
    if (!vector) {
      if (label === undefined) return
      graph.markDelete(label)
      this.labelOf.delete(id)
      this.ids[label] = null
      this.free.push(label)
      return
    }
    if (label === undefined) {
      label = this.free.pop() ?? this.ids.length
      if (label >= this.capacity) graph.resizeIndex(this.capacity *= 2)
      this.ids[label] = id
      this.labelOf.set(id, label)
    }
    // A label already in the graph (this id's, or a removed one's) is unmarked and its vector replaced.
    graph.addPoint(Array.from(vector), label)
  }

  private newGraph (capacity: number): HierarchicalNSW | null {
    if (!native.lib) return null
    const graph = new native.lib.HierarchicalNSW('ip', this.dims)
    graph.initIndex({ maxElements: capacity, m: this.options.m, efConstruction: this.options.efConstruction, randomSeed: 100 })
    return graph
  }

  private resetLabels (ids: Array<string | null> = []): void {
    this.ids = ids
    this.labelOf = new Map()
    this.free = []
    ids.forEach((id, label) => { if (id === null) this.free.push(label); else this.labelOf.set(id, label) })
  }

  /** Drops the graph until `load` or `build`: changes are only collected (the refill at start fills the exact column alone). */
  defer (): void {
    if (this.state === 'closed') return
    this.state = 'deferred'
    this.graph = null
    this.resetLabels()
    for (const id of this.exact.keys()) this.lagging.add(id)
  }

  /** Stops a build and leaves the graph unused (the index is being discarded). */
  close (): void {
    this.state = 'closed'
  }

  /**
   * Uses the graph saved as `name` in `dir` if it was built from exactly the vectors the column holds
   * now (ann-graph-file.ts says why the check is enough); then applies the changes made since. Returns
   * why it was not used otherwise (the column is then unchanged: deferred, for `build`).
   */
  async load (dir: string, name: string): Promise<{ loaded: true, ms: number } | { loaded: false, rejected: string }> {
    const started = performance.now()
    if (!native.lib) return { loaded: false, rejected: ANN_UNAVAILABLE ?? 'no addon' }
    if (this.state !== 'deferred') return { loaded: false, rejected: `the column is ${this.state}, not waiting for a graph` }
    const found = await readGraph(dir, name, { dims: this.dims, m: this.options.m, efConstruction: this.options.efConstruction })
    if ('rejected' in found) return { loaded: false, rejected: found.rejected }
    const { meta, path } = found
    // Checked against the column as it is now, in this one turn: changes from here on are lagging.
    const live = meta.labels.reduce((n, id) => id === null ? n : n + 1, 0)
    if (live !== this.exact.size) return { loaded: false, rejected: `graph of ${live} vectors, the column holds ${this.exact.size}` }
    const digest = dataDigest(this.dims, meta.labels, (id) => this.exact.vector(id))
    if (digest !== meta.data) return { loaded: false, rejected: 'graph built from other vectors (records changed since, another model or another store)' }
    const stale = new Set(this.lagging)
    this.lagging.clear()
    const graph = new native.lib.HierarchicalNSW('ip', this.dims)
    try {
      await graph.readIndex(path)
      if (graph.getCurrentCount() !== meta.labels.length) throw new Error(`${graph.getCurrentCount()} elements, ${meta.labels.length} labels described`)
    } catch (err) {
      for (const id of stale) this.lagging.add(id)
      return { loaded: false, rejected: `hnswlib could not read it: ${(err as Error).message}` }
    }
    if (this.state !== 'deferred') return { loaded: false, rejected: `the column became ${this.state} while loading` }
    this.graph = graph
    this.capacity = graph.getMaxElements()
    this.resetLabels([...meta.labels])
    this.state = 'ready'
    this.unsaved = 0
    const ms = Math.round(performance.now() - started)
    this.origin = { source: 'loaded', ms }
    await this.catchUp()
    return { loaded: true, ms }
  }

  /**
   * Builds the graph from the exact column in the background, a slice of about `sliceMs` at a time
   * (each in a turn of the event loop of its own: requests are answered between slices, by the scan
   * until the graph is complete). `rejected`: why a saved graph was not used (for status()).
   */
  async build (rejected?: string, sliceMs = 10): Promise<boolean> {
    if (!native.lib || this.state === 'closed') return false
    const started = performance.now()
    this.state = 'building'
    if (rejected) this.origin = { ...this.origin, rejected }
    const graph = this.newGraph(Math.max(256, 2 ** Math.ceil(Math.log2(this.exact.size + 1)))) as HierarchicalNSW
    this.capacity = graph.getMaxElements()
    this.resetLabels()
    this.graph = null
    this.lagging.clear()
    for (const id of this.exact.keys()) this.lagging.add(id)
    while (this.lagging.size > 0) {
      await takeTurn()
      if (this.state !== 'building') return false
      const sliceEnd = performance.now() + sliceMs
      for (const id of this.lagging) {
        this.lagging.delete(id)
        this.apply(graph, id)
        if (performance.now() > sliceEnd) break
      }
    }
    this.graph = graph
    this.state = 'ready'
    this.unsaved = this.exact.size
    this.origin = { source: 'built', ms: Math.round(performance.now() - started), ...(rejected ? { rejected } : {}) }
    return true
  }

  /** Applies the lagging changes to the ready graph, a slice at a time. */
  private async catchUp (sliceMs = 10): Promise<void> {
    while (this.lagging.size > 0 && this.state === 'ready' && !this.writing && this.graph) {
      const sliceEnd = performance.now() + sliceMs
      for (const id of this.lagging) {
        this.lagging.delete(id)
        this.apply(this.graph, id)
        if (performance.now() > sliceEnd) break
      }
      if (this.lagging.size > 0) await takeTurn()
    }
  }

  /**
   * Writes the graph to `dir` as `name` (ann-graph-file.ts), when it is ready and has changes not on
   * disk. hnswlib writes it on another thread; changes meanwhile wait and are applied afterwards.
   * Returns the bytes written, or null when there was nothing to write.
   */
  async save (dir: string, name: string): Promise<number | null> {
    const graph = this.graph
    if (!graph || this.state !== 'ready' || this.writing || this.unsaved === 0) return null
    // The file must hold exactly what the digest describes: every change applied first (few, if any).
    for (const id of this.lagging) this.apply(graph, id)
    this.lagging.clear()
    const labels = [...this.ids]
    const data = dataDigest(this.dims, labels, (id) => this.exact.vector(id)) as string
    const unsaved = this.unsaved
    this.writing = true
    try {
      const bytes = await writeGraph(dir, name, { space: 'ip', dims: this.dims, m: this.options.m, efConstruction: this.options.efConstruction, labels, data },
        (path) => graph.writeIndex(path))
      this.unsaved -= unsaved
      return bytes
    } finally {
      this.writing = false
      await this.catchUp()
    }
  }

  /** Like VectorColumn.search: the k rows most similar to `query` that `accept` admits, best first, ties by id. */
  search (query: Float32Array, k: number, accept: (id: string) => boolean): Hit[] {
    if (k <= 0) return []
    const graph = this.state === 'ready' ? this.graph : null
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
    if (this.lagging.size > 0) hits = this.withLagging(hits, query, k, accept)
    // Fewer than k found though enough rows pass: the scan, which finds every one.
    if (hits.length < k) return this.scan(query, k, accept)
    this.answered.graph++
    return hits
  }

  /** The graph's hits with the rows it does not hold yet scored exactly, the best k. */
  private withLagging (hits: Hit[], query: Float32Array, k: number, accept: (id: string) => boolean): Hit[] {
    const seen = new Set(hits.map((h) => h.id))
    for (const id of this.lagging) {
      if (seen.has(id)) continue
      const score = this.exact.score(id, query)
      if (score !== undefined && accept(id)) hits.push({ id, score })
    }
    return hits.sort(byScore).slice(0, k)
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
    return hits.sort(byScore)
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

const byScore = (a: Hit, b: Hit): number => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
