import t from 'tap'
import { createStore } from '../../src/store/create-store.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import type { Database } from '../../src/store/schema.ts'
import { VectorCache } from '../../src/records/vector-cache.ts'
import { RecordRepository } from '../../src/records/record-repository.ts'
import { untilIndexed, warmVectorCache } from '../../src/records/vector-warmup.ts'
import { contentHash, facetTexts, phraseHash, phrasesOf } from '../../src/domain/facets.ts'
import type { Kind } from '../../src/domain/kinds.ts'
import { tempDir } from '../helpers/services.ts'

const SIZE = 384 * 4 + 64

function vector (seed: number): Float32Array {
  return Float32Array.from({ length: 384 }, (_, i) => Math.sin(seed * 7 + i))
}

/** Every hash the pipeline would store for a record: its facet texts and its phrases. */
function hashesOf (kind: Kind, body: Record<string, unknown>): string[] {
  const p = phrasesOf(kind, body)
  return [...Object.values(facetTexts(kind, body)).map((text) => contentHash(text)), ...[...p.competencies, ...p.needs].map(phraseHash)]
}

t.test('warm-up fills the cache from the store, organisations first, within its budget', async (t) => {
  const store = await createStore<Database>({ dataDir: await tempDir(t) })
  t.teardown(() => store.close())
  await migrateToLatest(store.db)
  const repo = new RecordRepository(store.db)
  const byKind = new Map<Kind, string[]>()
  let seed = 0
  const stored = new Map<string, Float32Array>()
  const add = async (kind: Kind, id: string, body: Record<string, unknown>) => {
    await repo.put(kind, id, body)
    const hashes = hashesOf(kind, body)
    byKind.set(kind, [...(byKind.get(kind) ?? []), ...hashes])
    for (const h of hashes) stored.set(h, vector(seed++))
  }
  for (let i = 0; i < 30; i++) await add('organizations', `o${i}`, { name: `Org ${i}`, kind: 'company', description: `organisation ${i} builds sensors`, competencies: [`skill ${i}`], needs: [`need ${i}`] })
  for (let i = 0; i < 20; i++) await add('proposals', `q${i}`, { kind: 'technology_request', title: `Proposal ${i}`, body: `proposal ${i} looks for robotics`, seeks: [`want ${i}`] })
  await add('organizations', 'gone', { name: 'Gone', kind: 'company', description: 'deleted organisation text', competencies: ['deleted skill'] })
  await repo.delete('organizations', 'gone')
  const deleted = hashesOf('organizations', { name: 'Gone', kind: 'company', description: 'deleted organisation text', competencies: ['deleted skill'] })
  const model = 'm'
  await new VectorCache(store.db).putMany(model, stored)
  const orgs = (byKind.get('organizations') ?? []).filter((h) => !deleted.includes(h))
  const proposals = byKind.get('proposals') ?? []
  t.ok(orgs.length >= 60 && proposals.length >= 40, 'records have facet and phrase vectors')

  t.test('with room for everything: every live record, nothing counted as a lookup', async (t) => {
    const cache = new VectorCache(store.db, { memoryBytes: 10_000 * SIZE })
    const r = await warmVectorCache(store.db, cache, model, { pageSize: 7 })
    t.equal(r.complete, true)
    t.equal(r.records, 50, 'the deleted record is not read')
    t.equal(r.vectors, new Set([...orgs, ...proposals]).size)
    t.same(cache.stats, { memoryHits: 0, storeReads: 0 }, 'warming is not a lookup')
    const got = await cache.getMany(model, [...orgs, ...proposals])
    t.equal(cache.stats.storeReads, 0, 'every vector ranking reads is answered from memory')
    t.same([...got.get(orgs[0] as string) as Float32Array], [...stored.get(orgs[0] as string) as Float32Array], 'the vectors are the stored ones')
    await cache.getMany(model, deleted)
    t.ok(cache.stats.storeReads > 0, "a deleted record's vectors were not loaded")
    t.equal((await warmVectorCache(store.db, cache, model)).vectors, 0, 'a second warm-up reads nothing again')
  })

  t.test('a small budget: stops at its share, with organisations in', async (t) => {
    const room = orgs.length + 10
    const cache = new VectorCache(store.db, { memoryBytes: room * SIZE })
    const r = await warmVectorCache(store.db, cache, model, { pageSize: 5, fill: 0.9 })
    t.equal(r.complete, false, 'stopped before the end')
    t.ok(cache.fill() >= 0.9 && cache.fill() <= 1)
    await cache.getMany(model, orgs)
    const orgReads = cache.stats.storeReads
    t.ok(orgReads <= orgs.length * 0.15, `organisations came first (${orgReads} of ${orgs.length} read on demand)`)
    await cache.getMany(model, proposals)
    t.ok(cache.stats.storeReads - orgReads > proposals.length / 2, 'most proposals did not fit')
  })

  t.test('aborted: reads nothing more', async (t) => {
    const cache = new VectorCache(store.db, { memoryBytes: 10_000 * SIZE })
    const abort = new AbortController()
    abort.abort()
    const r = await warmVectorCache(store.db, cache, model, { signal: abort.signal })
    t.same([r.vectors, r.records, r.complete], [0, 0, false])
  })

  t.test('no memory layer: nothing to fill', async (t) => {
    const r = await warmVectorCache(store.db, new VectorCache(store.db, { memoryBytes: 0 }), model)
    t.same([r.vectors, r.complete], [0, false])
  })
})

t.test('the warm-up waits for the writes accepted before it to be indexed: indexing computes the vectors', async (t) => {
  const store = await createStore<Database>({ dataDir: await tempDir(t) })
  t.teardown(() => store.close())
  await migrateToLatest(store.db)
  const repo = new RecordRepository(store.db)
  for (let i = 0; i < 3; i++) await repo.put('organizations', `o${i}`, { name: `Org ${i}`, kind: 'company', competencies: [`skill ${i}`] })
  const pending = await store.db.selectFrom('outbox').select('seq').where('done_at', 'is', null).orderBy('seq').execute()
  t.equal(pending.length, 3, 'three writes wait to be indexed')

  let resolved = false
  const waiting = untilIndexed(store.db, { everyMs: 20 }).then(() => { resolved = true })
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.notOk(resolved, 'still waiting while accepted writes are not indexed')
  // A write accepted after the wait began does not hold it back; one that failed and waits for a retry neither.
  await repo.put('organizations', 'later', { name: 'Later', kind: 'company' })
  await store.db.updateTable('outbox').set({ last_error: 'index unreachable' }).where('seq', '=', pending[0]!.seq).execute()
  await store.db.updateTable('outbox').set({ done_at: new Date() }).where('seq', '=', pending[1]!.seq).execute()
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.notOk(resolved, 'one of them is still to index')
  await store.db.updateTable('outbox').set({ done_at: new Date() }).where('seq', '=', pending[2]!.seq).execute()
  await waiting
  t.ok(resolved, 'done once they are indexed (or failing)')

  const abort = new AbortController()
  await store.db.updateTable('outbox').set({ last_error: null }).where('seq', '=', pending[0]!.seq).execute()
  const aborted = untilIndexed(store.db, { everyMs: 10_000, signal: abort.signal })
  abort.abort()
  await aborted
  t.pass('an abort ends the wait at once')
})
