import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'

/** Vectors stored next to their source, keyed by (model, content hash). */
export class VectorCache {
  constructor (private readonly db: Kysely<Database>) {}

  /** The stored vectors among `hashes`, by hash. */
  async getMany (model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>()
    if (hashes.length === 0) return found
    const rows = await this.db.selectFrom('vectors').select(['content_hash', 'vector'])
      .where('model', '=', model).where('content_hash', 'in', [...new Set(hashes)]).execute()
    for (const row of rows) found.set(row.content_hash, toFloat32(row.vector))
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
