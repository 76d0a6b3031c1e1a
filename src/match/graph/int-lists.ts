/**
 * Many short lists of integers in one Int32Array, each growable: list k holds
 * `arena[start(k) .. start(k) + length(k))` and has room for `capacity` items there. A list that
 * outgrows its room moves to the end of the arena (the room it leaves is garbage) and the arena is
 * compacted when garbage passes half of it. A hundred thousand lists cost three Int32Arrays and one
 * arena, four bytes an item, instead of a hundred thousand JavaScript arrays or Sets.
 *
 * Readers loop over `arena` directly between `start(k)` and `start(k) + length(k)`; any write may
 * move lists and replace the arena, so a reader must not write while it loops.
 */
export class IntLists {
  arena: Int32Array
  private end = 0
  private garbage = 0
  private starts: Int32Array
  private lengths: Int32Array
  private capacities: Int32Array

  constructor (lists = 16, items = 64) {
    this.arena = new Int32Array(Math.max(16, items))
    this.starts = new Int32Array(Math.max(16, lists))
    this.lengths = new Int32Array(this.starts.length)
    this.capacities = new Int32Array(this.starts.length)
  }

  start (k: number): number {
    return this.starts[k] as number
  }

  length (k: number): number {
    return k < this.lengths.length ? this.lengths[k] as number : 0
  }

  /** Makes room for lists 0 .. n - 1. */
  reserveLists (n: number): void {
    if (n <= this.starts.length) return
    const size = Math.max(n, Math.ceil(this.starts.length * 1.5))
    this.starts = grown(this.starts, size)
    this.lengths = grown(this.lengths, size)
    this.capacities = grown(this.capacities, size)
  }

  /** Gives list k (empty) room for `capacity` items at the end of the arena: a bulk fill then never moves it. */
  reserve (k: number, capacity: number): void {
    this.reserveLists(k + 1)
    this.place(k, capacity)
  }

  /** Replaces list k with the first `n` items of `values`. */
  assign (k: number, values: ArrayLike<number>, n = values.length): void {
    this.reserveLists(k + 1)
    if ((this.capacities[k] as number) < n) {
      this.lengths[k] = 0
      this.place(k, n)
    }
    const at = this.starts[k] as number
    for (let i = 0; i < n; i++) this.arena[at + i] = values[i] as number
    this.lengths[k] = n
  }

  /** Appends `value` to list k. */
  push (k: number, value: number): void {
    this.reserveLists(k + 1)
    const n = this.lengths[k] as number
    if (n === this.capacities[k]) this.place(k, Math.max(4, n * 2))
    this.arena[(this.starts[k] as number) + n] = value
    this.lengths[k] = n + 1
  }

  /** Removes the first `value` from list k, keeping the order of the others; false when it is not there. */
  remove (k: number, value: number): boolean {
    const n = this.length(k)
    const at = this.starts[k] as number
    const a = this.arena
    for (let i = at; i < at + n; i++) {
      if (a[i] !== value) continue
      a.copyWithin(i, i + 1, at + n)
      this.lengths[k] = n - 1
      return true
    }
    return false
  }

  /** Empties list k and gives its room up. */
  clear (k: number): void {
    if (k >= this.lengths.length) return
    this.garbage += this.capacities[k] as number
    this.lengths[k] = 0
    this.capacities[k] = 0
    this.starts[k] = 0
  }

  /** Bytes held by the arena and the per-list arrays. */
  get bytes (): number {
    return this.arena.byteLength + this.starts.byteLength + this.lengths.byteLength + this.capacities.byteLength
  }

  /** Moves list k to a room of `capacity` items at the end of the arena, with its items. */
  private place (k: number, capacity: number): void {
    if (this.end + capacity > this.arena.length) {
      if (this.garbage > this.end / 2) this.compact()
      if (this.end + capacity > this.arena.length) this.arena = grown(this.arena, Math.max(this.end + capacity, Math.ceil(this.arena.length * 1.5)))
    }
    const n = this.lengths[k] as number
    const from = this.starts[k] as number
    this.arena.copyWithin(this.end, from, from + n)
    this.garbage += this.capacities[k] as number
    this.starts[k] = this.end
    this.capacities[k] = capacity
    this.end += capacity
  }

  /** Packs every list to the front in list order, each keeping a quarter of its length as room to grow. */
  private compact (): void {
    const lists = this.lengths.length
    let live = 0
    for (let k = 0; k < lists; k++) live += roomFor(this.lengths[k] as number)
    const arena = new Int32Array(Math.max(16, live + (live >> 1)))
    let end = 0
    for (let k = 0; k < lists; k++) {
      const n = this.lengths[k] as number
      if (this.capacities[k] === 0) continue
      const from = this.starts[k] as number
      arena.set(this.arena.subarray(from, from + n), end)
      this.starts[k] = end
      this.capacities[k] = roomFor(n)
      end += roomFor(n)
    }
    this.arena = arena
    this.end = end
    this.garbage = 0
  }
}

function roomFor (n: number): number {
  return n === 0 ? 0 : n + (n >> 2)
}

function grown (a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size)
  b.set(a)
  return b
}
