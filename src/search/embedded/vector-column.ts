import type { Hit } from '../../ports/retrieval.ts'

/**
 * One facet's vectors of one kind, as rows of a single Float32Array: exact (brute-force) kNN scans
 * contiguous memory instead of chasing one small array per document, which on 10k 384-d vectors
 * is about twice as fast. Removed rows are reused. The embedded index searches it through AnnColumn
 * (ann-column.ts), which asks it for small columns and selective filters, and for the scores of its
 * HNSW graph's hits.
 */
export class VectorColumn {
  private data: Float32Array
  private ids: Array<string | null> = []
  private readonly rowOf = new Map<string, number>()
  private readonly free: number[] = []

  constructor (private readonly dims: number, capacity = 1024) {
    this.data = new Float32Array(dims * capacity)
  }

  get size (): number {
    return this.rowOf.size
  }

  set (id: string, vector: Float32Array | undefined): void {
    if (!vector) return this.remove(id)
    if (vector.length !== this.dims) throw new Error(`vector of ${vector.length} dimensions in a ${this.dims}-d column`)
    let row = this.rowOf.get(id)
    if (row === undefined) {
      row = this.free.pop() ?? this.ids.length
      if ((row + 1) * this.dims > this.data.length) {
        const grown = new Float32Array(this.data.length * 2)
        grown.set(this.data)
        this.data = grown
      }
      this.ids[row] = id
      this.rowOf.set(id, row)
    }
    this.data.set(vector, row * this.dims)
  }

  remove (id: string): void {
    const row = this.rowOf.get(id)
    if (row === undefined) return
    this.rowOf.delete(id)
    this.ids[row] = null
    this.free.push(row)
  }

  /** `id`'s vector: a view of the column's memory, valid until the next `set` (copy it to keep it); undefined when `id` has none. */
  vector (id: string): Float32Array | undefined {
    const row = this.rowOf.get(id)
    return row === undefined ? undefined : this.data.subarray(row * this.dims, (row + 1) * this.dims)
  }

  /** Every id the column holds a vector for. */
  keys (): IterableIterator<string> {
    return this.rowOf.keys()
  }

  /** `query`'s score against `id`'s vector, the same number `search` gives it; undefined when `id` has none. */
  score (id: string, query: Float32Array): number | undefined {
    const row = this.rowOf.get(id)
    return row === undefined ? undefined : this.rowDot(row * this.dims, query)
  }

  /** The dot product of the row starting at `base` with `query`. Four running sums: independent additions pipeline where one chain of them waits on itself. */
  private rowDot (base: number, query: Float32Array): number {
    const dims = this.dims
    const data = this.data
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let i = 0
    for (; i + 3 < dims; i += 4) {
      s0 += (data[base + i] as number) * (query[i] as number)
      s1 += (data[base + i + 1] as number) * (query[i + 1] as number)
      s2 += (data[base + i + 2] as number) * (query[i + 2] as number)
      s3 += (data[base + i + 3] as number) * (query[i + 3] as number)
    }
    for (; i < dims; i++) s0 += (data[base + i] as number) * (query[i] as number)
    return s0 + s1 + s2 + s3
  }

  /**
   * The k rows most similar to `query` (dot product; vectors are normalised, so cosine) among those
   * `accept` admits, best first, ties by id. The filter is asked only about rows whose score would
   * enter the current top k: the same result as filtering first, with far fewer filter checks.
   */
  search (query: Float32Array, k: number, accept: (id: string) => boolean): Hit[] {
    const best: Hit[] = []
    if (k <= 0) return best
    const dims = this.dims
    const worse = (a: Hit, score: number, id: string) => a.score < score || (a.score === score && a.id > id)
    for (let row = 0; row < this.ids.length; row++) {
      const id = this.ids[row]
      if (id === null || id === undefined) continue
      const s = this.rowDot(row * dims, query)
      if (best.length === k && !worse(best[k - 1] as Hit, s, id)) continue
      if (!accept(id)) continue
      let lo = 0
      let hi = best.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (worse(best[mid] as Hit, s, id)) hi = mid
        else lo = mid + 1
      }
      best.splice(lo, 0, { id, score: s })
      if (best.length > k) best.pop()
    }
    return best
  }
}
