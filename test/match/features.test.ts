import t from 'tap'
import { divisions, dot, jaccard, weightedScore, weightedSum, DEFAULT_WEIGHTS, type Feature } from '../../src/match/features.ts'
import { Rng } from '../../fixtures/lib/prng.ts'

const rng = Rng.of('features')

t.test('dot: the inner product, for any length (the four running sums and the tail)', async (t) => {
  for (const n of [0, 1, 3, 4, 5, 7, 384, 385]) {
    const a = Float32Array.from({ length: n }, () => rng.next() - 0.5)
    const b = Float32Array.from({ length: n }, () => rng.next() - 0.5)
    let naive = 0
    for (let i = 0; i < n; i++) naive += (a[i] as number) * (b[i] as number)
    t.ok(Math.abs(dot(a, b) - naive) < 1e-9, `length ${n}: ${dot(a, b)} ≈ ${naive}`)
  }
})

t.test('jaccard: |A ∩ B| / |A ∪ B| of the distinct items, short lists and long ones alike', async (t) => {
  const reference = (a: string[], b: string[]) => {
    if (a.length === 0 || b.length === 0) return 0
    const sa = new Set(a)
    const sb = new Set(b)
    const both = [...sa].filter((x) => sb.has(x)).length
    return both / (sa.size + sb.size - both)
  }
  t.equal(jaccard(['a', 'b'], ['b', 'c']), 1 / 3)
  t.equal(jaccard(['a', 'a', 'b'], ['b', 'b']), 1 / 2, 'repeated items count once')
  t.equal(jaccard([], ['a']), 0)
  t.equal(jaccard(['x'], ['x']), 1)
  const vocabulary = Array.from({ length: 12 }, (_, i) => `area ${i}`)
  for (let i = 0; i < 300; i++) {
    const a = Array.from({ length: rng.int(14) }, () => rng.pick(vocabulary))
    const b = Array.from({ length: rng.int(14) }, () => rng.pick(vocabulary))
    t.equal(jaccard(a, b), reference(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
  }
})

t.test('weightedSum is the score weightedScore reports', async (t) => {
  for (let i = 0; i < 50; i++) {
    const values = Object.fromEntries(Object.keys(DEFAULT_WEIGHTS).map((k) => [k, rng.next()])) as Record<Feature, number>
    t.equal(weightedSum(values, DEFAULT_WEIGHTS), weightedScore(values, DEFAULT_WEIGHTS).score)
  }
})

t.test('divisions: the first two digits of each code, once each, in order; codes without two digits give none', async (t) => {
  t.same(divisions(['C.28.1', '28.99', 'J62', 'A', '62.01', 'C.28.1']), ['28', '62'])
  t.same(divisions(['28.99']), ['28'], 'the same answer when asked again (the division is remembered)')
  t.same(divisions([]), [])
})
