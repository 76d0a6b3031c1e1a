import t from 'tap'
import { createStore } from '../../src/store/create-store.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import type { Database } from '../../src/store/schema.ts'
import { VectorCache } from '../../src/records/vector-cache.ts'
import { tempDir } from '../helpers/services.ts'

function vector (seed: number): Float32Array {
  return Float32Array.from({ length: 384 }, (_, i) => Math.sin(seed * 7 + i))
}

t.test('vector cache: memory layer in front of the store', async (t) => {
  const store = await createStore<Database>({ dataDir: await tempDir(t) })
  t.teardown(() => store.close())
  await migrateToLatest(store.db)
  const stored = new Map(Array.from({ length: 10 }, (_, i) => [`h${i}`, vector(i)] as const))
  await new VectorCache(store.db).putMany('m', stored)

  // Room for about 4 vectors of 1.5 KB.
  const cache = new VectorCache(store.db, { memoryBytes: 4 * (384 * 4 + 64) })
  const first = await cache.getMany('m', ['h0', 'h1', 'h2', 'missing'])
  t.equal(first.size, 3, 'an unknown hash is absent, not an error')
  t.same([...first.get('h1') as Float32Array], [...vector(1)], 'the vector read back is the one stored')
  t.same(cache.stats, { memoryHits: 0, storeReads: 4 })

  const again = await cache.getMany('m', ['h0', 'h1', 'h2'])
  t.same(cache.stats, { memoryHits: 3, storeReads: 4 }, 'a second lookup is answered from memory')
  t.same([...again.get('h2') as Float32Array], [...vector(2)])
  t.equal((await cache.getMany('other-model', ['h0'])).size, 0, 'the model is part of the key')
  // Another model's vectors under the same hashes: read from the store, never from the first model's memory.
  await new VectorCache(store.db).putMany('other-model', new Map([['h1', vector(100)]]))
  const readsBefore = cache.stats.storeReads
  for (let i = 0; i < 2; i++) {
    const other = await cache.getMany('other-model', ['h1'])
    t.same([...other.get('h1') as Float32Array], [...vector(100)], 'the other model gets its own vector')
  }
  t.equal(cache.stats.storeReads, readsBefore + 2, 'the memory layer holds one model: the other one is read from the store each time')
  t.same([...(await cache.getMany('m', ['h1'])).get('h1') as Float32Array], [...vector(1)], 'and the first model still gets its vector')

  await cache.getMany('m', ['h3', 'h4', 'h5', 'h6'])
  const before = cache.stats.storeReads
  await cache.getMany('m', ['h0'])
  t.equal(cache.stats.storeReads, before + 1, 'memory is bounded: the least recently used went out')

  const off = new VectorCache(store.db, { memoryBytes: 0 })
  await off.getMany('m', ['h0'])
  await off.getMany('m', ['h0'])
  t.same(off.stats, { memoryHits: 0, storeReads: 2 }, 'memoryBytes 0 reads every vector from the store')

  const present = await off.present('m', ['h0', 'h9', 'missing', 'h0'])
  t.same([...present].sort(), ['h0', 'h9'], 'present names the stored hashes among those asked, once each')
  t.equal((await off.present('other-model', ['h0'])).size, 0, 'presence is per model too')
})
