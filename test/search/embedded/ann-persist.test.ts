import t from 'tap'
import { open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { AnnColumn } from '../../../src/search/embedded/ann-column.ts'
import { Rng } from '../../../fixtures/lib/prng.ts'
import { tempDir } from '../../helpers/services.ts'
import type { Hit } from '../../../src/ports/retrieval.ts'

// A column's graph written to disk and read back (ann-graph-file.ts), on clustered unit vectors as in
// ann-column.test.ts. The restarts of the whole app are in ann-restart.test.ts.
const DIMS = 384
const rng = Rng.of('ann-persist')
const normal = () => Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next())
const unit = (v: Float32Array) => { const n = Math.hypot(...v); return v.map((x) => x / n) }
const centres = Array.from({ length: 30 }, () => unit(Float32Array.from({ length: DIMS }, normal)))
const near = () => unit((centres[Math.floor(rng.next() * centres.length)] as Float32Array).map((c) => c + 0.9 * normal() / Math.sqrt(DIMS)))
const ROWS = 2500
const vectors = new Map<string, Float32Array>()
for (let i = 0; i < ROWS; i++) vectors.set(`r${i}`, near())
const queries = Array.from({ length: 50 }, near)
const all = () => true

/** A column filled with `rows` (in the order given), its graph deferred as during the refill. */
function deferred (rows: Iterable<[string, Float32Array]>): AnnColumn {
  const col = new AnnColumn(DIMS)
  col.defer()
  for (const [id, v] of rows) col.set(id, v)
  return col
}
const search = (col: AnnColumn) => queries.map((q) => col.search(q, 20, all))

t.test('a saved graph is loaded by a column holding the same vectors, and answers exactly as the one written', async (t) => {
  const dir = await tempDir(t)
  const original = new AnnColumn(DIMS)
  for (const [id, v] of vectors) original.set(id, v)
  original.remove('r7') // a removed label travels too
  const bytes = await original.save(dir, 'people-profile')
  t.ok(bytes !== null && bytes > ROWS * DIMS * 4, `${bytes} bytes written`)
  t.equal(await original.save(dir, 'people-profile'), null, 'nothing to write when nothing changed')
  const want = search(original)

  // Filled in another order (labels are the graph's, rows the column's): same vectors, same graph.
  const col = deferred([...vectors].reverse().filter(([id]) => id !== 'r7'))
  t.equal(search(col).length, queries.length)
  t.equal(col.answered.graph, 0, 'deferred: the scan answers')
  const r = await col.load(dir, 'people-profile')
  t.match(r, { loaded: true })
  t.match(col.status(), { state: 'ready', source: 'loaded', lagging: 0, unsaved: 0 })
  t.same(search(col), want, 'the same hits as the graph written')
  t.equal(col.answered.graph, queries.length, 'through the graph')
  // It follows changes as before.
  col.set('new', queries[0] as Float32Array)
  t.equal(col.search(queries[0] as Float32Array, 20, all)[0]?.id, 'new')
})

t.test('changes made while the graph is written wait, are searched exactly meanwhile, then applied', async (t) => {
  const dir = await tempDir(t)
  const col = new AnnColumn(DIMS)
  for (const [id, v] of vectors) col.set(id, v)
  const q = queries[1] as Float32Array
  const gone = col.search(q, 20, all)[0]?.id as string
  const writing = col.save(dir, 'c')
  col.set('added', q)
  col.remove(gone)
  t.equal(col.status().lagging, 2, 'both changes wait while hnswlib writes')
  const during: Hit[] = col.search(q, 20, all)
  t.equal(during[0]?.id, 'added', 'the row added during the write is found')
  t.notOk(during.some((h) => h.id === gone), 'the row removed during the write is not')
  await writing
  t.match(col.status(), { lagging: 0, unsaved: 2 }, 'applied after the write, not on disk yet')
  t.equal(col.search(q, 20, all)[0]?.id, 'added')
  // The file holds the graph as it was when the write began: a column without the two changes loads it.
  const before = deferred(vectors)
  t.match(await before.load(dir, 'c'), { loaded: true })
})

t.test('a graph that does not match is rejected, the column left for a rebuild', async (t) => {
  const dir = await tempDir(t)
  const col = new AnnColumn(DIMS)
  for (const [id, v] of vectors) col.set(id, v)
  await col.save(dir, 'c')

  const nudged = new Map(vectors)
  const v = Float32Array.from(nudged.get('r100') as Float32Array)
  v[0] = (v[0] as number) + 1e-6
  nudged.set('r100', v)
  t.match(await deferred(nudged).load(dir, 'c'), { loaded: false, rejected: /other vectors/ }, 'one number of one vector changed')
  const fewer = deferred([...vectors].slice(1))
  t.match(await fewer.load(dir, 'c'), { loaded: false, rejected: /holds 2499/ }, 'one row fewer')
  t.match(await deferred([...vectors].map(([id, x]) => [`other-${id}`, x] as [string, Float32Array])).load(dir, 'c'), { loaded: false, rejected: /other vectors/ }, 'the same vectors under other ids')
  const wide = new AnnColumn(DIMS, { m: 8 })
  wide.defer()
  for (const [id, x] of vectors) wide.set(id, x)
  t.match(await wide.load(dir, 'c'), { loaded: false, rejected: /built with m 16, the column has 8/ })
  t.match(await deferred(vectors).load(dir, 'none'), { loaded: false, rejected: 'no graph written yet' })

  // One byte of the file flipped: same size, another SHA-256.
  const file = (await readdir(dir)).find((f) => f.endsWith('.hnsw')) as string
  const h = await open(join(dir, file), 'r+')
  const b = Buffer.alloc(1)
  await h.read(b, 0, 1, 5000)
  b[0] = (b[0] as number) ^ 0xff
  await h.write(b, 0, 1, 5000)
  await h.close()
  const same = deferred(vectors)
  t.match(await same.load(dir, 'c'), { loaded: false, rejected: /SHA-256/ })
  t.match(same.status(), { state: 'deferred' }, 'still waiting for a graph')
  t.equal(await same.build(), true, 'rebuilt')
  t.match(same.status(), { state: 'ready', source: 'built' })
  t.equal(same.search(queries[2] as Float32Array, 20, all).length, 20)
  t.equal(same.answered.graph, 1)
})
