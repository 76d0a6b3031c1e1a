import type { BulkResult, IndexDocument, IndexOperation, SearchIndex } from '../ports/search-index.ts'
import { probe, type PartHealth } from '../ports/health.ts'
import { KINDS, type Kind } from '../domain/kinds.ts'

/**
 * The search index that lives in this process, used when ELASTICSEARCH_URL is unset. It keeps the
 * same documents and the same version rule as Elasticsearch (an older operation never wins,
 * deletes leave a version tombstone); it is refilled from the store at start.
 */
export class EmbeddedIndex implements SearchIndex {
  readonly adapter = 'embedded'
  private readonly docs = new Map<Kind, Map<string, IndexDocument>>(KINDS.map((k) => [k, new Map()]))
  private readonly tombstones = new Map<string, number>()

  async ensureIndices (): Promise<void> {}

  async bulk (operations: readonly IndexOperation[]): Promise<BulkResult> {
    const result: BulkResult = { applied: 0, stale: 0, failed: [] }
    for (const o of operations) {
      const kind = o.op === 'upsert' ? o.doc.kind : o.kind
      const id = o.op === 'upsert' ? o.doc.id : o.id
      const version = o.op === 'upsert' ? o.doc.version : o.version
      const docs = this.docs.get(kind) as Map<string, IndexDocument>
      const held = docs.get(id)?.version ?? this.tombstones.get(`${kind}/${id}`) ?? -1
      if (version < held) { result.stale++; continue }
      if (o.op === 'upsert') {
        docs.set(id, o.doc)
        this.tombstones.delete(`${kind}/${id}`)
      } else {
        docs.delete(id)
        this.tombstones.set(`${kind}/${id}`, version)
      }
      result.applied++
    }
    return result
  }

  async count (kind: Kind): Promise<number> {
    return this.docs.get(kind)?.size ?? 0
  }

  async versionOf (kind: Kind, id: string): Promise<number | null> {
    return this.docs.get(kind)?.get(id)?.version ?? null
  }

  /** Documents of a kind (the match service reads them directly). */
  documents (kind: Kind): IterableIterator<IndexDocument> {
    return (this.docs.get(kind) as Map<string, IndexDocument>).values()
  }

  async refresh (): Promise<void> {}

  health (): Promise<PartHealth> {
    return probe('searchIndex', this.adapter, async () => {
      let n = 0
      for (const docs of this.docs.values()) n += docs.size
      return `in-process, ${n} documents`
    })
  }

  async close (): Promise<void> {
    for (const docs of this.docs.values()) docs.clear()
    this.tombstones.clear()
  }
}
