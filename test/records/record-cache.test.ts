import t from 'tap'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { RecordRepository } from '../../src/records/record-repository.ts'
import { RecordCache, recordKey } from '../../src/records/record-cache.ts'
import { importNdjson } from '../../src/records/bulk-import.ts'
import { Readable } from 'node:stream'
import { storeAdapters } from '../helpers/stores.ts'

// The record cache of the match path, on both store adapters: what it serves, and that a change
// made here or by another writer (another process, modelled by a repository without this cache)
// is never served stale once the change is announced, and never to the writer itself.

const settle = () => new Promise((resolve) => setTimeout(resolve, 100))

const until = async (cond: () => Promise<boolean>, ms = 5000): Promise<boolean> => {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await cond()) return true
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return false
}

for (const adapter of storeAdapters) {
  t.test(`record cache follows every change: ${adapter.name}`, async (t) => {
    const store = await adapter.open(t)
    if (!store) return
    t.teardown(() => store.close())
    await migrateToLatest(store.db)
    const cache = await RecordCache.open(store, 100)
    t.teardown(() => cache.close())
    const cached = new RecordRepository(store.db, cache)
    const other = new RecordRepository(store.db)

    await other.put('organizations', 'o1', { name: 'First' })
    await settle() // its announcement
    t.equal((await cached.get('organizations', 'o1'))?.body.name, 'First')
    const reads = cache.stats.reads
    t.equal((await cached.get('organizations', 'o1'))?.body.name, 'First')
    t.equal(cache.stats.reads, reads, 'the second read comes from memory')
    t.equal(cache.stats.hits, 1)

    // Its own write: served new at once, before the announcement could arrive.
    await cached.put('organizations', 'o1', { name: 'Second' })
    t.equal((await cached.get('organizations', 'o1'))?.body.name, 'Second', 'the writer reads its own write')

    // Another writer's change reaches this cache through the store's notification.
    t.equal((await cached.get('organizations', 'o1'))?.body.name, 'Second')
    await other.put('organizations', 'o1', { name: 'Third' })
    t.ok(await until(async () => (await cached.get('organizations', 'o1'))?.body.name === 'Third'), 'another writer\'s update is seen')
    // The announcements of both writes may still be on their way (a read while this process's own write
    // waits for its announcement goes to the store): once they have arrived, the record is cached again.
    await settle()
    t.equal((await cached.get('organizations', 'o1'))?.body.name, 'Third')
    const afterUpdate = cache.stats.reads
    t.equal((await cached.get('organizations', 'o1'))?.body.name, 'Third')
    t.equal(cache.stats.reads, afterUpdate, 'and cached again')

    // A bulk import by another writer, and a delete.
    const summary = await importNdjson(store.db, Readable.from([JSON.stringify({ op: 'upsert', kind: 'organizations', id: 'o1', record: { name: 'Imported', kind: 'company', country: 'IT' } }) + '\n']))
    t.equal(summary.updated, 1, JSON.stringify(summary.errors))
    t.ok(await until(async () => (await cached.get('organizations', 'o1'))?.body.name === 'Imported'), 'an import\'s update is seen')
    await other.delete('organizations', 'o1')
    t.ok(await until(async () => (await cached.get('organizations', 'o1')) === null), 'a delete is seen')

    // A write that changes nothing announces nothing, and the record stays cached.
    await other.put('organizations', 'o2', { name: 'Same', version: 1 })
    await settle()
    await cached.get('organizations', 'o2')
    const beforeReplay = cache.stats.reads
    await other.put('organizations', 'o2', { name: 'Same', version: 1 })
    await settle()
    await cached.get('organizations', 'o2')
    t.equal(cache.stats.reads, beforeReplay, 'a replay does not evict')
    // The same replay through this process's repository: nothing is announced, and the key is not left waiting for it.
    await cached.put('organizations', 'o2', { name: 'Same', version: 1 })
    await cached.get('organizations', 'o2')
    const afterOwnReplay = cache.stats.reads
    await cached.get('organizations', 'o2')
    t.equal(cache.stats.reads, afterOwnReplay, 'its own replay leaves the record cacheable at once')
  })
}

t.test('a read that overlaps a change is not kept', async (t) => {
  const cache = new RecordCache(10)
  const key = recordKey('people', 'p1')
  const record = (name: string) => ({ kind: 'people' as const, id: 'p1', version: null, revision: 1, visibility: 'public', body: { name }, updatedAt: '2026-01-01T00:00:00.000Z' })
  await cache.get(key, async () => {
    cache.changed(key)
    return record('old')
  })
  let read = false
  t.equal((await cache.get(key, async () => { read = true; return record('new') }))?.body.name, 'new')
  t.ok(read, 'read again from the store')
  t.equal((await cache.get(key, async () => record('never')))?.body.name, 'new', 'then kept')

  cache.writing([key])
  t.equal((await cache.get(key, async () => record('pending')))?.body.name, 'pending', 'a key being written is read through')
  t.equal((await cache.get(key, async () => record('still pending')))?.body.name, 'still pending', 'and not kept until announced')
  cache.changed(key)
  await cache.get(key, async () => record('announced'))
  t.equal((await cache.get(key, async () => record('never')))?.body.name, 'announced')

  cache.clear()
  t.equal((await cache.get(key, async () => record('after gap')))?.body.name, 'after gap', 'a gap drops everything')
})
