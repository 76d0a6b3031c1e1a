import t from 'tap'
import { ANN_UNAVAILABLE, AnnColumn } from '../../../src/search/embedded/ann-column.ts'
import { VectorColumn } from '../../../src/search/embedded/vector-column.ts'
import { Rng, hash32 } from '../../../fixtures/lib/prng.ts'
import type { Hit } from '../../../src/ports/retrieval.ts'

// Clustered unit vectors, like sentence vectors (uniform random ones have no neighbourhoods to find).
const DIMS = 384
const rng = Rng.of('ann-column')
const normal = () => Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next())
const unit = (v: Float32Array) => { const n = Math.hypot(...v); return v.map((x) => x / n) }
const centres = Array.from({ length: 40 }, () => unit(Float32Array.from({ length: DIMS }, normal)))
const near = () => unit((centres[Math.floor(rng.next() * centres.length)] as Float32Array).map((c) => c + 0.9 * normal() / Math.sqrt(DIMS)))

const ROWS = 3000
const vectors = new Map<string, Float32Array>()
for (let i = 0; i < ROWS; i++) vectors.set(`r${i}`, near())
const queries = Array.from({ length: 100 }, near)
const admits = (percent: number) => (id: string) => hash32(`f:${id}`) % 100 < percent

function fill<T extends { set (id: string, v: Float32Array): void }> (col: T): T {
  for (const [id, v] of vectors) col.set(id, v)
  return col
}
/** Share of the exact top `at` that `got` found, over all queries. */
function recall (got: Hit[][], truth: Hit[][], at: number): number {
  let found = 0
  let wanted = 0
  got.forEach((hits, i) => {
    const expected = new Set((truth[i] as Hit[]).slice(0, at).map((h) => h.id))
    wanted += expected.size
    found += hits.slice(0, at).filter((h) => expected.has(h.id)).length
  })
  return found / wanted
}

const exact = fill(new VectorColumn(DIMS))

t.equal(ANN_UNAVAILABLE, null, 'the hnswlib-node addon loads (built by its install script, allowed in package.json allowScripts)')

t.test('recall@20 against the exact scan is at least 0.98, with and without a filter, through the graph', async (t) => {
  const ann = fill(new AnnColumn(DIMS, { minAdmitted: 100 })) // the graph answers even the 10% filter (300 rows)
  for (const [percent, k] of [[100, 20], [100, 150], [50, 20], [50, 150], [10, 20], [10, 150]] as const) {
    const accept = admits(percent)
    const before = ann.answered.graph
    const truth = queries.map((q) => exact.search(q, k, accept))
    const got = queries.map((q) => ann.search(q, k, accept))
    t.equal(ann.answered.graph - before, queries.length, `${percent}%, k ${k}: the graph answered`)
    t.ok(got.every((hits) => hits.length === k && hits.every((h) => accept(h.id))), `${percent}%, k ${k}: k hits, all admitted`)
    const r = recall(got, truth, 20)
    t.ok(r >= 0.98, `${percent}%, k ${k}: recall@20 ${r.toFixed(4)} >= 0.98`)
    // Hits carry the scan's own scores, best first.
    const hit = got[0]?.[0] as Hit
    t.equal(hit.score, exact.score(hit.id, queries[0] as Float32Array))
    t.ok(got.every((hits) => hits.every((h, i) => i === 0 || (hits[i - 1] as Hit).score >= h.score)), 'best first')
  }
})

t.test('the recall check can fail: a graph with 2 links per node and a short candidate list falls below 0.98', async (t) => {
  const poor = fill(new AnnColumn(DIMS, { minAdmitted: 100, m: 2, efConstruction: 4, efSearch: 1 }))
  const accept = admits(100)
  const r = recall(queries.map((q) => poor.search(q, 20, accept)), queries.map((q) => exact.search(q, 20, accept)), 20)
  t.ok(r < 0.98, `recall@20 ${r.toFixed(4)}`)
})

t.test('small columns and selective filters go to the exact scan, with its exact answer', async (t) => {
  const ann = fill(new AnnColumn(DIMS)) // minAdmitted 1,000
  const q = queries[1] as Float32Array
  t.same(ann.search(q, 20, admits(10)), exact.search(q, 20, admits(10)), '10% of 3,000 rows: the scan')
  t.equal(ann.answered.exact, 1)
  t.equal(ann.answered.graph, 0)
  ann.search(q, 20, admits(100))
  t.equal(ann.answered.graph, 1, 'no filter over 3,000 rows: the graph')
  t.same(ann.search(q, 0, () => true), [])
  t.throws(() => ann.set('x', new Float32Array(3)), /3 dimensions in a 384-d column/)
})

t.test('removed rows are never returned, updated rows are found at their new place, labels are reused', async (t) => {
  const ann = fill(new AnnColumn(DIMS, { minAdmitted: 100 }, 256)) // a small capacity: the graph has to grow
  const ref = fill(new VectorColumn(DIMS))
  for (let i = 0; i < ROWS; i += 5) { ann.remove(`r${i}`); ref.remove(`r${i}`) }
  for (let i = 0; i < 300; i++) { const v = near(); ann.set(`n${i}`, v); ref.set(`n${i}`, v) } // reuse removed labels
  const moved = queries[2] as Float32Array
  ann.set('r1', moved)
  ref.set('r1', moved)
  ann.set('r2', undefined)
  ref.remove('r2')
  t.equal(ann.size, ref.size)
  const accept = admits(100)
  const got = queries.map((q) => ann.search(q, 20, accept))
  t.ok(got.every((hits) => hits.every((h) => ref.score(h.id, queries[0] as Float32Array) !== undefined)), 'only live rows')
  t.equal(got[2]?.[0]?.id, 'r1', 'the updated row is its own query\'s best hit')
  t.ok(recall(got, queries.map((q) => ref.search(q, 20, accept)), 20) >= 0.98, 'recall after removals, reuse and updates')
})
