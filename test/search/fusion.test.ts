import t from 'tap'
import { normalise, reciprocalRankFusion, weightedScoreFusion, type FusedHit, type ScoredId } from '../../src/search/fusion.ts'

const list = (...ids: string[]): ScoredId[] => ids.map((id, i) => ({ id, score: ids.length - i }))
const ids = (hits: FusedHit[]) => hits.map((h) => h.id)
const byId = (hits: FusedHit[], id: string): FusedHit => {
  const hit = hits.find((h) => h.id === id)
  if (!hit) throw new Error(`${id} not in the fused list`)
  return hit
}

t.test('reciprocal rank fusion', async (t) => {
  t.test('scores computed by hand with the default k = 60', async (t) => {
    const fused = reciprocalRankFusion([list('a', 'b', 'c'), list('c', 'a', 'd')])
    // a: 1/61 + 1/62, c: 1/63 + 1/61, b: 1/62, d: 1/63
    t.same(ids(fused), ['a', 'c', 'b', 'd'])
    t.equal(byId(fused, 'a').score, 1 / 61 + 1 / 62)
    t.equal(byId(fused, 'c').score, 1 / 63 + 1 / 61)
    t.equal(byId(fused, 'b').score, 1 / 62)
    t.equal(byId(fused, 'd').score, 1 / 63)
    t.same(byId(fused, 'a').contributions, [1 / 61, 1 / 62])
    t.same(byId(fused, 'a').ranks, [1, 2])
    t.same(byId(fused, 'd').contributions, [0, 1 / 63], 'a list that did not retrieve a document adds 0')
    t.same(byId(fused, 'd').ranks, [null, 3])
  })

  t.test('k changes the values and can change the order', async (t) => {
    // x is 1st in one list only; y is 2nd in both. k = 0: x = 1, y = 1/2 + 1/2 = 1 -> tie; k = 1: x = 1/2, y = 2/3.
    const lists = [list('x', 'y'), list('z', 'y')]
    const k0 = reciprocalRankFusion(lists, { k: 0 })
    t.equal(byId(k0, 'x').score, 1)
    t.equal(byId(k0, 'y').score, 1)
    t.same(ids(k0), ['x', 'y', 'z'], 'tie x = y broken by id; z = 1 also ties and comes after y')
    const k1 = reciprocalRankFusion(lists, { k: 1 })
    t.equal(byId(k1, 'y').score, 2 / 3)
    t.same(ids(k1), ['y', 'x', 'z'])
  })

  t.test('ties are broken by id, whatever the input order', async (t) => {
    const a = reciprocalRankFusion([list('m', 'b'), list('a', 'n')])
    const b = reciprocalRankFusion([list('a', 'n'), list('m', 'b')])
    t.same(ids(a), ['a', 'm', 'b', 'n'])
    t.same(ids(b), ['a', 'm', 'b', 'n'])
    t.same(ids(reciprocalRankFusion([list('b', 'a')])), ['b', 'a'], 'different scores: rank order, not id order')
    t.same(ids(reciprocalRankFusion([list('b'), list('B'), list('a')])), ['B', 'a', 'b'], 'code-unit order: upper case first')
  })

  t.test('weights multiply each list contribution', async (t) => {
    const fused = reciprocalRankFusion([list('a', 'b'), list('b', 'a')], { weights: [1, 3] })
    t.equal(byId(fused, 'a').score, 1 / 61 + 3 / 62)
    t.equal(byId(fused, 'b').score, 1 / 62 + 3 / 61)
    t.same(ids(fused), ['b', 'a'])
    const off = reciprocalRankFusion([list('a', 'b'), list('c')], { weights: [0, 1] })
    t.same(ids(off), ['c', 'a', 'b'], 'weight 0: the list still contributes its ids, with score 0')
    t.equal(byId(off, 'a').score, 0)
  })

  t.test('order of a list is its ranking; scores are ignored; duplicates count once', async (t) => {
    const fused = reciprocalRankFusion([[{ id: 'low', score: 0.1 }, { id: 'high', score: 9 }, { id: 'low', score: 99 }]])
    t.same(ids(fused), ['low', 'high'])
    t.equal(byId(fused, 'low').score, 1 / 61, 'the later duplicate adds nothing')
    t.same(byId(fused, 'low').ranks, [1])
  })

  t.test('any number of lists, empty lists, limit', async (t) => {
    t.same(reciprocalRankFusion([]), [])
    t.same(reciprocalRankFusion([[], []]), [])
    const three = reciprocalRankFusion([list('a'), list('a'), list('b', 'a')], { limit: 1 })
    t.equal(three.length, 1)
    t.equal(three[0]?.id, 'a')
    t.equal(three[0]?.score, 2 / 61 + 1 / 62)
    t.equal(reciprocalRankFusion([list('a', 'b')], { limit: 0 }).length, 0)
  })

  t.test('bad options throw', async (t) => {
    t.throws(() => reciprocalRankFusion([list('a')], { k: -1 }), RangeError)
    t.throws(() => reciprocalRankFusion([list('a')], { k: Number.NaN }), RangeError)
    t.throws(() => reciprocalRankFusion([list('a'), list('b')], { weights: [1] }), RangeError)
    t.throws(() => reciprocalRankFusion([list('a')], { weights: [-1] }), RangeError)
    t.throws(() => reciprocalRankFusion([list('a')], { limit: 1.5 }), RangeError)
  })
})

t.test('normalisation', async (t) => {
  t.test('min-max maps onto [0, 1]; missing documents get 0', async (t) => {
    t.same(normalise([10, 6, 2], 'min-max'), { values: [1, 0.5, 0], floor: 0 })
  })

  t.test('z-score: population deviation; missing documents get the lowest z', async (t) => {
    // mean 4, variance (4 + 0 + 4) / 3 = 8/3
    const sd = Math.sqrt(8 / 3)
    const { values, floor } = normalise([6, 4, 2], 'z-score')
    t.same(values, [2 / sd, 0, -2 / sd])
    t.equal(floor, -2 / sd)
  })

  t.test('none keeps raw scores; the floor is the lowest raw score', async (t) => {
    t.same(normalise([0.9, 0.7], 'none'), { values: [0.9, 0.7], floor: 0.7 })
  })

  t.test('a single candidate or all-equal scores: 1 for candidates, 0 for missing documents', async (t) => {
    for (const n of ['min-max', 'z-score'] as const) {
      t.same(normalise([3.2], n), { values: [1], floor: 0 }, `${n}: single candidate`)
      t.same(normalise([5, 5, 5], n), { values: [1, 1, 1], floor: 0 }, `${n}: all equal`)
      t.same(normalise([], n), { values: [], floor: 0 }, `${n}: empty`)
    }
    t.same(normalise([5, 5], 'none'), { values: [5, 5], floor: 5 })
  })

  t.test('non-finite scores throw', async (t) => {
    t.throws(() => normalise([1, Number.NaN], 'min-max'), RangeError)
    t.throws(() => normalise([Infinity], 'none'), RangeError)
  })
})

t.test('weighted score fusion', async (t) => {
  const bm25 = [{ id: 'a', score: 12 }, { id: 'b', score: 8 }, { id: 'c', score: 4 }]
  // Binary fractions, so the hand-computed values are exact in floating point.
  const knn = [{ id: 'c', score: 0.875 }, { id: 'd', score: 0.75 }, { id: 'a', score: 0.375 }]

  t.test('min-max, equal weights, computed by hand', async (t) => {
    const fused = weightedScoreFusion([bm25, knn])
    // bm25: a 1, b 0.5, c 0; knn: c 1, d 0.75, a 0; missing -> 0
    t.same(fused.map((h) => [h.id, h.score]), [['a', 1], ['c', 1], ['d', 0.75], ['b', 0.5]], 'a = c = 1: tie broken by id')
    t.same(byId(fused, 'd').contributions, [0, 0.75])
    t.same(byId(fused, 'd').ranks, [null, 2])
    t.same(byId(fused, 'b').ranks, [2, null])
  })

  t.test('weights', async (t) => {
    const fused = weightedScoreFusion([bm25, knn], { weights: [0.3, 0.7] })
    t.same(ids(fused), ['c', 'd', 'a', 'b'])
    t.equal(byId(fused, 'c').score, 0.7)
    t.equal(byId(fused, 'd').score, 0.7 * 0.75)
    t.equal(byId(fused, 'a').score, 0.3)
    t.equal(byId(fused, 'b').score, 0.3 * 0.5)
    const onlyKnn = weightedScoreFusion([bm25, knn], { weights: [0, 1] })
    t.same(ids(onlyKnn).slice(0, 3), ['c', 'd', 'a'], 'weight 0: the other list decides')
  })

  t.test('z-score: a missing document gets the list floor, which the contributions show', async (t) => {
    const fused = weightedScoreFusion([bm25, knn], { normalisation: 'z-score' })
    const zb = normalise([12, 8, 4], 'z-score')
    const zk = normalise([0.875, 0.75, 0.375], 'z-score')
    const d = byId(fused, 'd')
    t.same(d.contributions, [zb.floor, zk.values[1]])
    t.equal(d.score, zb.floor + (zk.values[1] as number))
    t.equal(byId(fused, 'b').contributions[1], zk.floor)
    t.ok(zb.floor < 0, 'the floor is below the mean')
    for (const h of fused) t.equal(h.score, h.contributions.reduce((a, c) => a + c, 0), `${h.id}: contributions add up`)
  })

  t.test('one normalisation per list', async (t) => {
    const fused = weightedScoreFusion([bm25, knn], { normalisation: ['min-max', 'none'] })
    // knn raw, floor 0.375: a 1 + 0.375; b 0.5 + 0.375; c 0 + 0.875; d 0 + 0.75
    t.same(fused.map((h) => [h.id, h.score]), [['a', 1.375], ['b', 0.875], ['c', 0.875], ['d', 0.75]])
  })

  t.test('single-candidate and all-equal lists still separate retrieved from missing', async (t) => {
    const single = weightedScoreFusion([[{ id: 'x', score: 3 }], knn], { weights: [0.5, 0.5] })
    t.equal(byId(single, 'x').score, 0.5)
    t.same(byId(single, 'x').contributions, [0.5, 0])
    t.equal(byId(single, 'c').score, 0.5)
    t.same(ids(single), ['c', 'x', 'd', 'a'])
    const flat = weightedScoreFusion([[{ id: 'p', score: 2 }, { id: 'q', score: 2 }], [{ id: 'r', score: 1 }, { id: 'p', score: 0 }]], { normalisation: 'z-score' })
    // flat list: p, q 1, r 0; second list (z of [1, 0]): r 1, p -1, q floor -1
    t.same(flat.map((h) => [h.id, h.score]), [['r', 1], ['p', 0], ['q', 0]])
  })

  t.test('duplicates, empty lists, limit, bad options', async (t) => {
    const fused = weightedScoreFusion([[{ id: 'a', score: 2 }, { id: 'b', score: 1 }, { id: 'a', score: 0 }], []])
    t.same(fused.map((h) => [h.id, h.score]), [['a', 1], ['b', 0]], 'the duplicate does not lower the minimum')
    t.same(byId(fused, 'a').contributions, [1, 0], 'an empty list adds nothing')
    t.same(weightedScoreFusion([]), [])
    t.equal(weightedScoreFusion([bm25, knn], { limit: 2 }).length, 2)
    t.throws(() => weightedScoreFusion([bm25], { weights: [1, 1] }), RangeError)
    t.throws(() => weightedScoreFusion([bm25], { weights: [Infinity] }), RangeError)
    t.throws(() => weightedScoreFusion([bm25, knn], { normalisation: ['min-max'] }), RangeError)
    t.throws(() => weightedScoreFusion([[{ id: 'a', score: Number.NaN }]]), RangeError)
  })
})

t.test('a list shorter than its depth is complete: its unmatched documents count as 0', async (t) => {
  const bm25 = [{ id: 'rare', score: 7.3 }]
  const knn = Array.from({ length: 20 }, (_, i) => ({ id: `n${i}`, score: 0.9 - i * 0.02 }))
  const without = weightedScoreFusion([bm25, knn], { weights: [0.45, 0.55], normalisation: 'z-score' })
  t.not(without[0]?.id, 'rare', 'without depths a single hit is degenerate and loses to the kNN head')
  const withDepth = weightedScoreFusion([bm25, knn], { weights: [0.45, 0.55], normalisation: 'z-score', depths: [30, undefined] })
  t.equal(withDepth[0]?.id, 'rare', 'with its depth, the only match stands out')
  // z over [7.3, 0 x 29]: mean 0.2433, sd 1.3102 -> the hit 5.386, the floor -0.186.
  t.ok(Math.abs((withDepth[0]?.contributions[0] ?? 0) - 0.45 * 5.386) < 0.01, `contribution ${withDepth[0]?.contributions[0]}`)
  const floor = withDepth.find((h) => h.id === 'n0')?.contributions[0] ?? 0
  t.ok(Math.abs(floor - 0.45 * -0.186) < 0.01, `floor ${floor}`)
  const full = Array.from({ length: 30 }, (_, i) => ({ id: `b${i}`, score: 30 - i }))
  t.same(weightedScoreFusion([full, knn], { normalisation: 'z-score', depths: [30, undefined] }),
    weightedScoreFusion([full, knn], { normalisation: 'z-score' }), 'a full list is normalised as before')
  const minmax = weightedScoreFusion([bm25, knn], { normalisation: 'min-max', depths: [30, undefined] })
  t.equal(minmax.find((h) => h.id === 'rare')?.contributions[0], 1)
  t.equal(minmax.find((h) => h.id === 'n0')?.contributions[0], 0, 'min-max: the floor is where 0 lands')
})
