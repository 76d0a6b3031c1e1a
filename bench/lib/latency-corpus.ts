import { sql, type Kysely } from 'kysely'
import { records, type BulkLine } from '../../fixtures/generate.ts'
import { hash32 } from '../../fixtures/lib/prng.ts'
import type { Database } from '../../src/store/schema.ts'
import type { Kind } from '../../src/domain/kinds.ts'
import type { SearchIndex, IndexDocument } from '../../src/ports/search-index.ts'
import { indexFields } from '../../indexers/document.ts'
import type { SyntheticVectors } from './synthetic-vectors.ts'

/** How many records of each kind the benchmark corpus holds. */
export type CorpusSize = Record<'organizations' | 'people' | 'proposals' | 'projects' | 'communities' | 'content', number>

export const UPDATED_AT = '2025-11-20T10:00:00.000Z'
const BATCH = 500

/**
 * The fixture generator's records, cut to the wanted size per kind. References to organisations left
 * out (a person's organisation, a proposal's author, a project's participants) are moved onto kept
 * ones, deterministically, so every link resolves.
 */
export function * corpus (size: CorpusSize): Generator<BulkLine> {
  // Enough lines that the generator yields the wanted number of the scarcest kind (proposals are 22%).
  const lines = Math.ceil(Math.max(size.proposals / 0.22, size.people / 0.30, size.organizations / 0.25, size.projects / 0.15) * 1.01) + 400
  const kept: string[] = []
  const keptSet = new Set<string>()
  const taken: Partial<Record<Kind, number>> = {}
  const org = (id: unknown): string | undefined => typeof id !== 'string' ? undefined : keptSet.has(id) ? id : kept[hash32(id) % kept.length]
  for (const line of records({ records: lines, seed: 'latency-bench' })) {
    const kind = line.kind as keyof CorpusSize
    if ((taken[kind] ?? 0) >= size[kind]) continue
    taken[kind] = (taken[kind] ?? 0) + 1
    const r = { ...line.record }
    if (kind === 'organizations') { kept.push(line.id); keptSet.add(line.id) }
    if (kind === 'people' && r.organizationId) r.organizationId = org(r.organizationId)
    if (kind === 'proposals' && r.authorOrganizationId) r.authorOrganizationId = org(r.authorOrganizationId)
    if (kind === 'projects' && Array.isArray(r.participants)) {
      const seen = new Map<string, string>()
      for (const p of r.participants as Array<{ organizationId: string, role: string }>) {
        const id = org(p.organizationId) as string
        if (!seen.has(id)) seen.set(id, p.role)
      }
      r.participants = [...seen].map(([organizationId, role]) => ({ organizationId, role }))
    }
    yield { ...line, record: r }
  }
}

export interface LoadStats { records: number, vectors: number, participants: number, indexed: number }

/**
 * Writes the corpus straight into the store's tables (records, vectors, project_participants) and,
 * when given, bulk-indexes it with synthesised vectors: what the pipeline would have produced,
 * without embedding. Store and index writes of a batch overlap.
 */
export async function loadCorpus (db: Kysely<Database>, index: SearchIndex | null, lines: Iterable<BulkLine>, vectors: SyntheticVectors, model: string, log: (m: string) => void): Promise<LoadStats> {
  const stats: LoadStats = { records: 0, vectors: 0, participants: 0, indexed: 0 }
  let batch: BulkLine[] = []
  const started = performance.now()
  const flush = async (batch: BulkLine[]) => {
    const docs: IndexDocument[] = []
    const vectorRows = new Map<string, Float32Array>()
    const participants: Array<{ project_id: string, organization_id: string, role: string, programme: string | null }> = []
    for (const line of batch) {
      const body: Record<string, unknown> = { ...line.record, id: line.id, version: 1 }
      const v = vectors.record(line.kind, line.id, body)
      for (const [hash, vec] of v.phrases) vectorRows.set(hash, vec)
      const facetHashes: Record<string, string> = {}
      const docVectors: IndexDocument['vectors'] = {}
      for (const [facet, f] of Object.entries(v.facets)) {
        vectorRows.set(f.hash, f.vector)
        facetHashes[facet] = f.hash
        docVectors[facet as keyof typeof docVectors] = f.vector
      }
      if (line.kind === 'projects') {
        for (const p of (body.participants as Array<{ organizationId: string, role: string }> | undefined) ?? []) participants.push({ project_id: line.id, organization_id: p.organizationId, role: p.role, programme: typeof body.programme === 'string' ? body.programme : null })
      } else {
        const fields = indexFields(line.kind, line.id, 1, body, UPDATED_AT, model)
        fields.facet_hashes = facetHashes
        docs.push({ kind: line.kind, id: line.id, version: 1, fields, vectors: docVectors })
      }
    }
    const rows = batch.map((line) => ({ kind: line.kind, id: line.id, version: 1, revision: 1, visibility: String(line.record.visibility ?? 'public'), deleted: false, body: JSON.stringify({ ...line.record, id: line.id, version: 1 }), updated_at: UPDATED_AT }))
    const storeWrite = (async () => {
      await db.insertInto('records').values(rows as any).onConflict((oc) => oc.columns(['kind', 'id']).doNothing()).execute()
      // Sorted by key: batches in flight share phrase vectors, and one lock order avoids deadlocks.
      const vrows = [...vectorRows].sort((a, b) => a[0] < b[0] ? -1 : 1).map(([hash, v]) => ({ model, content_hash: hash, dims: v.length, vector: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) }))
      for (let i = 0; i < vrows.length; i += 1000) {
        await db.insertInto('vectors').values(vrows.slice(i, i + 1000)).onConflict((oc) => oc.columns(['model', 'content_hash']).doNothing()).execute()
      }
      for (let i = 0; i < participants.length; i += 2000) {
        await db.insertInto('project_participants').values(participants.slice(i, i + 2000)).onConflict((oc) => oc.columns(['project_id', 'organization_id']).doNothing()).execute()
      }
    })()
    const indexWrite = index && docs.length > 0 ? index.bulk(docs.map((doc) => ({ op: 'upsert' as const, doc }))) : null
    const [, result] = await Promise.all([storeWrite, indexWrite])
    if (result && result.failed.length > 0) throw new Error(`indexing failed: ${result.failed[0]?.reason}`)
    stats.records += batch.length
    stats.vectors += vectorRows.size
    stats.participants += participants.length
    stats.indexed += result?.applied ?? 0
    if (stats.records % 20_000 < BATCH) log(`loaded ${stats.records} records (${Math.round(stats.records / ((performance.now() - started) / 1000))}/s)`)
  }
  // Up to three batches in flight: building the next one overlaps the store's and the index's work.
  const pending: Array<Promise<void>> = []
  for (const line of lines) {
    batch.push(line)
    if (batch.length >= BATCH) {
      pending.push(flush(batch))
      batch = []
      if (pending.length >= 3) await pending.shift()
    }
  }
  if (batch.length > 0) pending.push(flush(batch))
  await Promise.all(pending)
  // What autovacuum would soon do on a live store: statistics, and the visibility map that lets
  // index-only scans skip the table.
  await sql`vacuum analyze`.execute(db)
  return stats
}
