import t from 'tap'
import { tokenBatches } from '../../src/embedding/token-batches.ts'

t.test('texts go to batches by token count, long ones fewer to a batch', async (t) => {
  // A deterministic mix of short phrases and long passages, as an indexing job sends them.
  const lengths = Array.from({ length: 300 }, (_, i) => i % 5 === 0 ? 200 + (i % 57) : 4 + ((i * 37) % 90))
  const batches = tokenBatches(lengths, { maxTexts: 32, maxTokens: 1024 })
  const seen = batches.flat()
  t.same([...seen].sort((a, b) => a - b), lengths.map((_, i) => i), 'every text once')
  for (const b of batches) {
    const longest = Math.max(...b.map((i) => lengths[i]!))
    t.ok(b.length <= 32, `${b.length} texts at most 32`)
    t.ok(b.length === 1 || b.length * longest <= 1024, `${b.length} x ${longest} padded tokens within the budget`)
  }
  const flatLengths = seen.map((i) => lengths[i]!)
  t.same(flatLengths, [...flatLengths].sort((a, b) => a - b), 'batches follow ascending token counts')
  const longBatch = batches.find((b) => lengths[b[0]!]! >= 200)!
  t.equal(longBatch.length, Math.floor(1024 / Math.max(...longBatch.map((i) => lengths[i]!))), 'long texts: as many as the budget holds')
  const shortBatch = batches[0]!
  t.equal(shortBatch.length, 32, 'short texts: full batches of 32')
})

t.test('a text longer than the budget goes alone, and nothing is lost at the edges', async (t) => {
  t.same(tokenBatches([]), [])
  t.same(tokenBatches([2000]), [[0]])
  t.same(tokenBatches([600, 600, 10, 400], { maxTokens: 1024 }), [[2, 3], [0], [1]], '10 and 400 share a batch (2 x 400), 600 and 600 would not')
  t.same(tokenBatches([5, 5, 5], { maxTexts: 2 }), [[0, 1], [2]], 'equal counts keep their input order')
})
