import t from 'tap'
import { VectorColumn } from '../../../src/search/embedded/vector-column.ts'
import { Rng } from '../../../fixtures/lib/prng.ts'

const rng = Rng.of('vector-column')
const unit = (dims: number) => {
  const v = new Float32Array(dims).map(() => rng.next() - 0.5)
  const n = Math.hypot(...v)
  return v.map((x) => x / n)
}
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] as number), 0)

t.test('filtered search equals filtering first, then ranking every vector', async (t) => {
  const col = new VectorColumn(18, 4) // a small capacity: it has to grow; 18 is not a multiple of 4
  const all = new Map<string, Float32Array>()
  for (let i = 0; i < 500; i++) { const v = unit(18); all.set(`d${i}`, v); col.set(`d${i}`, v) }
  for (let i = 0; i < 500; i += 7) { col.remove(`d${i}`); all.delete(`d${i}`) }
  for (let i = 0; i < 30; i++) { const v = unit(18); all.set(`n${i}`, v); col.set(`n${i}`, v) } // reuses freed rows
  col.set('d1', all.get('d2') as Float32Array)
  all.set('d1', all.get('d2') as Float32Array) // replaced in place: d1 and d2 now tie, broken by id
  t.equal(col.size, all.size)
  const accept = (id: string) => !id.endsWith('3')
  for (let q = 0; q < 20; q++) {
    const query = q === 0 ? (all.get('d2') as Float32Array) : unit(18)
    const expected = [...all].filter(([id]) => accept(id)).map(([id, v]) => ({ id, score: dot(query, v) }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, 10)
    const got = col.search(query, 10, accept)
    t.same(got.map((h) => h.id), expected.map((h) => h.id), `query ${q}: same ids in the same order`)
    t.ok(got.every((h, i) => Math.abs(h.score - (expected[i]?.score as number)) < 1e-5), `query ${q}: same scores`)
  }
  t.same(col.search(unit(18), 0, () => true), [])
  t.throws(() => col.set('x', new Float32Array(3)), /3 dimensions in a 18-d column/)
})
