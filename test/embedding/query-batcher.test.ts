import t from 'tap'
import { QueryBatcher } from '../../src/embedding/query-batcher.ts'
import { dot } from '../../src/match/features.ts'
import type { EmbedOptions, Embedder, TextRole } from '../../src/ports/embedder.ts'
import { EmbedderTimeoutError } from '../../src/ports/embedder.ts'
import { storeAndModel } from '../helpers/model-store.ts'

t.test('concurrent query texts share model calls and get the vectors they would alone', async (t) => {
  const opened = await storeAndModel(t)
  if (!opened) return
  const { embedder } = opened
  const calls: Array<{ texts: readonly string[], role: TextRole }> = []
  // The real model, with its calls counted.
  const counted = new Proxy(embedder, {
    get (target, prop, receiver) {
      if (prop === 'embed') return (texts: readonly string[], role: TextRole, options?: EmbedOptions) => { calls.push({ texts, role }); return target.embed(texts, role, options) }
      return Reflect.get(target, prop, receiver) as unknown
    }
  })
  const batcher = new QueryBatcher(counted, { cacheEntries: 0 })
  const texts = Array.from({ length: 12 }, (_, i) => `sensori per il monitoraggio delle macchine, richiesta ${i}`)
  const alone = await Promise.all(texts.map(async (x) => (await embedder.embed([x], 'query'))[0] as Float32Array))
  const inOneCall = [(await embedder.embed(texts.slice(0, 1), 'query'))[0] as Float32Array, ...await embedder.embed(texts.slice(1), 'query')]
  const together = await Promise.all(texts.map(async (x) => (await batcher.embed([x], 'query'))[0] as Float32Array))
  t.equal(calls.length, 2, 'twelve requests at once: the first alone, the other eleven in one call')
  t.same(calls.map((c) => c.texts.length), [1, 11])
  for (const [i, v] of together.entries()) {
    t.ok(dot(v, inOneCall[i] as Float32Array) > 0.99999, `text ${i}: the vector of its model call, in its place`)
    // The quantised model's activations depend a little on the batch: close to alone, not equal.
    t.ok(dot(v, alone[i] as Float32Array) > 0.98, `text ${i}: within 0.02 of its vector alone (${dot(v, alone[i] as Float32Array).toFixed(4)})`)
  }

  calls.length = 0
  await batcher.embed(['a phrase'], 'phrase')
  await batcher.embed(['one', 'two'], 'query')
  await batcher.embed(['an indexing text'], 'query', { background: true })
  t.equal(calls.length, 3, 'phrases, lists and background work go straight to the model')
})

t.test('repeated query texts come from the cache, as copies', async (t) => {
  const opened = await storeAndModel(t)
  if (!opened) return
  const batcher = new QueryBatcher(opened.embedder, { cacheEntries: 2 })
  const [first] = await batcher.embed(['stampa 3D di metalli'], 'query')
  const [again] = await batcher.embed(['stampa 3D di metalli'], 'query')
  t.equal(batcher.stats.cacheHits, 1, 'the second time is a hit')
  t.equal(batcher.stats.calls, 1, 'one model call')
  t.same(again, first, 'the same vector')
  first![0] = 42
  const [third] = await batcher.embed(['stampa 3D di metalli'], 'query')
  t.not(third![0], 42, 'a caller changing its vector does not change the cache')
  await batcher.embed(['b'], 'query')
  await batcher.embed(['c'], 'query')
  await batcher.embed(['stampa 3D di metalli'], 'query')
  t.equal(batcher.stats.calls, 4, 'past its size the least recently used text is embedded again')
})

t.test('a failed call fails every request it carried, and the next call runs', async (t) => {
  let n = 0
  const failing: Embedder = {
    model: 'm',
    dimensions: 2,
    available: true,
    health: async () => ({ part: 'embedder', adapter: 'fake', status: 'up', latencyMs: 0 }),
    close: async () => {},
    // A fault we cannot cause on demand in a real model: a call past its deadline (stated as a fake).
    embed: async (texts: readonly string[]) => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      if (n++ === 1) throw new EmbedderTimeoutError('the model did not answer')
      return texts.map(() => new Float32Array([1, 0]))
    }
  }
  const batcher = new QueryBatcher(failing, { cacheEntries: 0 })
  const results = await Promise.allSettled(['a', 'b', 'c'].map((x) => batcher.embed([x], 'query')))
  t.same(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected'], 'the first call answers; the second, carrying b and c, fails both')
  t.ok(results[1]?.status === 'rejected' && results[1].reason instanceof EmbedderTimeoutError, 'with the model\'s error')
  t.same((await batcher.embed(['d'], 'query'))[0], new Float32Array([1, 0]), 'then the next call runs')
})
