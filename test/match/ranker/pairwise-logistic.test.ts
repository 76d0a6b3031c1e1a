import t from 'tap'
import { fitPairwise, type TrainingGroup } from '../../../src/match/ranker/pairwise-logistic.ts'

/** A seeded generator for the synthetic groups (the fitter has its own for pairs). */
function lcg (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

// Features: [signal, noise, constant, anti-signal]. Relevance follows the signal and goes against the
// anti-signal; the noise carries nothing; the constant never varies.
function groups (seed: number, n = 60): TrainingGroup[] {
  const r = lcg(seed)
  return Array.from({ length: n }, () => Array.from({ length: 30 }, () => {
    const signal = r()
    const anti = r()
    const label = signal - 0.7 * anti + 0.2 * r() > 0.55 ? 1 : 0
    return { x: [signal, r(), 0.5, anti], label, weight: 1 }
  }))
}

t.test('learns the signal, ignores noise, keeps the prior of a feature that never varies', async (t) => {
  const prior = [0.1, 0.1, 0.3, 0.1]
  const fit = fitPairwise(groups(1), { prior })
  const [signal, noise, constant, anti] = fit.weights as [number, number, number, number]
  t.same(fit.fitted, [true, true, false, true])
  t.equal(constant, 0.3, 'a constant feature keeps its prior weight')
  t.ok(signal > 0, `signal weight positive: ${signal}`)
  t.ok(anti < 0, `anti-signal weight negative: ${anti}`)
  t.ok(Math.abs(noise) < signal / 4, `noise weight small: ${noise} against ${signal}`)
  t.ok(fit.lossAfter < fit.lossBefore, `the loss went down: ${fit.lossBefore} → ${fit.lossAfter}`)
  const share = Math.abs(signal) + Math.abs(noise) + Math.abs(anti)
  t.ok(Math.abs(share - 0.3) < 1e-4, `the fitted weights keep the prior's share of the score (0.3): ${share}`)
  t.same(fitPairwise(groups(1), { prior }).weights, fit.weights, 'deterministic')
})

t.test('the fitted weights rank unseen groups better than the prior', async (t) => {
  const prior = [0.1, 0.1, 0.3, 0.1]
  const fit = fitPairwise(groups(2), { prior })
  const test = groups(3, 40)
  const precisionAt5 = (w: readonly number[]) => {
    let hits = 0
    for (const g of test) {
      const ranked = [...g].sort((a, b) => b.x.reduce((s, v, j) => s + v * (w[j] as number), 0) - a.x.reduce((s, v, j) => s + v * (w[j] as number), 0))
      hits += ranked.slice(0, 5).filter((it) => it.label === 1).length
    }
    return hits / (5 * test.length)
  }
  const before = precisionAt5(prior)
  const after = precisionAt5(fit.weights)
  t.ok(after > before + 0.1, `precision@5 on held-out groups: ${before.toFixed(3)} → ${after.toFixed(3)}`)
})

t.test('weak negatives count less, and no pairs leave the prior as it is', async (t) => {
  // Two groups disagree on feature 0: one says higher is better with full weight, the other says
  // lower is better through impressions weighted 0.1. The full-weight group wins.
  const up: TrainingGroup = [{ x: [1], label: 1, weight: 1 }, { x: [0], label: 0, weight: 1 }]
  const down: TrainingGroup = [{ x: [0], label: 1, weight: 1 }, { x: [1], label: 0, weight: 0.1 }]
  t.ok((fitPairwise([up, down], { prior: [0] }).weights[0] as number) > 0, 'the full-weight pair decides')
  const none = fitPairwise([[{ x: [1, 2], label: 0, weight: 1 }, { x: [3, 1], label: 0, weight: 1 }]], { prior: [0.2, 0.4] })
  t.equal(none.pairs, 0)
  t.same(none.weights, [0.2, 0.4], 'nothing to learn from: the prior')
})
