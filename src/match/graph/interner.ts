/**
 * Bytes one interned id costs besides its characters, as measured on Node 20 (bench/graph-memory.ts):
 * the Map entry and its share of the hash table, the string's header, the slot in `ids`.
 */
export const BYTES_PER_ID = 80

/**
 * Ids interned as small integers, so that the collaboration graph keeps its organisations and
 * projects in typed arrays indexed by them. An index given up is handed out again: a history whose
 * projects come and go does not grow its arrays.
 */
export class Interner {
  private readonly index = new Map<string, number>()
  private readonly ids: Array<string | null> = []
  private readonly free: number[] = []
  /** Characters of the live ids (the strings are one byte a character: ids are ASCII). */
  private chars = 0

  /** Live ids. */
  get size (): number {
    return this.index.size
  }

  /** One past the highest index handed out: arrays indexed by this interner need this many slots. */
  get span (): number {
    return this.ids.length
  }

  /** The index of `id`, or undefined when it is not interned. */
  of (id: string): number | undefined {
    return this.index.get(id)
  }

  /** The index of `id`, interning it when new. */
  intern (id: string): number {
    let i = this.index.get(id)
    if (i !== undefined) return i
    i = this.free.pop() ?? this.ids.length
    this.ids[i] = id
    this.index.set(id, i)
    this.chars += id.length
    return i
  }

  /** The id at index `i` (which must be live). */
  id (i: number): string {
    return this.ids[i] as string
  }

  /** Gives index `i` up; its id is no longer interned. */
  release (i: number): void {
    const id = this.ids[i]
    if (id === null || id === undefined) return
    this.index.delete(id)
    this.ids[i] = null
    this.free.push(i)
    this.chars -= id.length
  }

  /** What the interned ids hold in memory, as estimated (bench/graph-memory.ts compares it with the heap). */
  get bytes (): number {
    return this.index.size * BYTES_PER_ID + this.chars + (this.ids.length - this.index.size + this.free.length) * 8
  }
}
