import type { Kysely } from 'kysely'
import { LRUCache } from 'lru-cache'
import type { Database } from '../store/schema.ts'
import { VectorClaims } from './vector-claims.ts'

export interface VectorCacheOptions {
  /** Bytes of vectors kept in memory (least recently used out first); 0 turns the memory layer off. */
  memoryBytes?: number
}

/**
 * Vectors stored next to their source, keyed by (model, content hash), with the most recently used
 * kept in memory. A key's vector never changes (the hash is of the text), so the memory layer needs
 * no invalidation: ranking reads the same vectors it would read from the store, without the round trip.
 * The memory layer holds one model's vectors, keyed by hash alone: the first model it is asked for
 * (a process serves one model at a time); another model's lookups go to the store. Re-ranking looks
 * up a thousand vectors per request, and a composite key cost a third of each lookup.
 */
export class VectorCache {
  private readonly memory: LRUCache<string, Float32Array> | null
  /** The model whose vectors the memory layer holds (set by the first lookup or preload). */
  private memoryModel: string | null = null

  constructor (private readonly db: Kysely<Database>, options: VectorCacheOptions = {}) {
    const bytes = options.memoryBytes ?? 0
    this.memory = bytes > 0 ? new LRUCache({ maxSize: bytes, sizeCalculation: (v) => v.byteLength + 64 }) : null
  }

  /** Hashes being looked up or embedded by this process right now (document-builder.ts). */
  readonly claims = new VectorClaims()

  /** Lookups answered from memory and from the store since start (for /v1/status and benchmarks). */
  readonly stats = { memoryHits: 0, storeReads: 0 }

  /** Lookups so far and what the memory layer holds. */
  usage (): { memoryHits: number, storeReads: number, vectorsInMemory: number, megabytesInMemory: number } {
    return { ...this.stats, vectorsInMemory: this.memory?.size ?? 0, megabytesInMemory: Math.round((this.memory?.calculatedSize ?? 0) / 2 ** 20 * 10) / 10 }
  }

  /** The stored vectors among `hashes`, by hash. */
  async getMany (model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>()
    if (hashes.length === 0) return found
    const memory = this.memoryFor(model)
    const missing: string[] = []
    for (const hash of new Set(hashes)) {
      const v = memory?.get(hash)
      if (v) found.set(hash, v)
      else missing.push(hash)
    }
    this.stats.memoryHits += found.size
    if (missing.length === 0) return found
    this.stats.storeReads += missing.length
    await this.read(model, missing, found)
    return found
  }

  /**
   * Reads into memory the stored vectors among `hashes` that it does not hold yet, without counting
   * them as lookups (warming up before anyone asks). Returns how many it read.
   */
  async preload (model: string, hashes: readonly string[]): Promise<number> {
    const memory = this.memoryFor(model)
    if (!memory) return 0
    const missing = [...new Set(hashes)].filter((hash) => !memory.has(hash))
    const read = new Map<string, Float32Array>()
    for (let i = 0; i < missing.length; i += 2000) await this.read(model, missing.slice(i, i + 2000), read)
    return read.size
  }

  /** Share of the memory budget in use (1 when there is no memory layer). */
  fill (): number {
    return this.memory ? this.memory.calculatedSize / this.memory.maxSize : 1
  }

  /** The memory layer, if it holds (or may now hold) `model`'s vectors. */
  private memoryFor (model: string): LRUCache<string, Float32Array> | null {
    if (!this.memory) return null
    this.memoryModel ??= model
    return this.memoryModel === model ? this.memory : null
  }

  private async read (model: string, hashes: readonly string[], into: Map<string, Float32Array>): Promise<void> {
    const memory = this.memoryFor(model)
    const rows = await this.db.selectFrom('vectors').select(['content_hash', 'vector'])
      .where('model', '=', model).where('content_hash', 'in', hashes).execute()
    for (const row of rows) {
      const v = toFloat32(row.vector)
      into.set(row.content_hash, v)
      memory?.set(row.content_hash, v)
    }
  }

  /** Which of `hashes` have a stored vector, without reading the vectors. */
  async present (model: string, hashes: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>()
    const missing: string[] = []
    const memory = this.memoryFor(model)
    for (const hash of new Set(hashes)) {
      if (memory?.has(hash)) found.add(hash)
      else missing.push(hash)
    }
    for (let i = 0; i < missing.length; i += 5000) {
      const rows = await this.db.selectFrom('vectors').select('content_hash')
        .where('model', '=', model).where('content_hash', 'in', missing.slice(i, i + 5000)).execute()
      for (const row of rows) found.add(row.content_hash)
    }
    return found
  }

  async putMany (model: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void> {
    if (vectors.size === 0) return
    await this.db.insertInto('vectors')
      .values([...vectors].map(([hash, v]) => ({ model, content_hash: hash, dims: v.length, vector: fromFloat32(v) })))
      .onConflict((oc) => oc.columns(['model', 'content_hash']).doNothing())
      .execute()
  }

  async count (model: string): Promise<number> {
    const row = await this.db.selectFrom('vectors').select((eb) => eb.fn.countAll<string>().as('n')).where('model', '=', model).executeTakeFirst()
    return Number(row?.n ?? 0)
  }
}

function fromFloat32 (v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))
}

function toFloat32 (bytes: Uint8Array): Float32Array {
  // Copy: the driver's buffer may be shared and unaligned.
  const copy = new Uint8Array(bytes.byteLength)
  copy.set(bytes)
  return new Float32Array(copy.buffer)
}
