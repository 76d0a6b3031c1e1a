import t from 'tap'
import { createStore } from '../../src/store/create-store.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import type { Database } from '../../src/store/schema.ts'
import { EmbeddedIndex } from '../../src/search/embedded/embedded-index.ts'
import { VectorCache } from '../../src/records/vector-cache.ts'
import { CollaborationGraph } from '../../src/match/collaboration-graph.ts'
import { explain, PartnerMatcher, type PartnerMode } from '../../src/match/partner-matcher.ts'
import { parseWeights } from '../../src/match/features.ts'
import { seekerFromRecord } from '../../src/match/seeker.ts'
import { contentHash, facetTexts, phraseHash } from '../../src/domain/facets.ts'
import { indexFields } from '../../indexers/document.ts'
import { Rng } from '../../fixtures/lib/prng.ts'
import { tempDir } from '../helpers/services.ts'

// Random organisations with random (normalised) vectors: the ranking's arithmetic, not a model's.
t.test('the served depth is exactly the top of the full ranking', async (t) => {
  const store = await createStore<Database>({ dataDir: await tempDir(t) })
  t.teardown(() => store.close())
  await migrateToLatest(store.db)
  const rng = Rng.of('partner-matcher-depth')
  const unit = () => {
    const v = new Float32Array(32).map(() => rng.next() - 0.5)
    const n = Math.hypot(...v)
    return v.map((x) => x / n)
  }
  const vocabulary = Array.from({ length: 40 }, (_, i) => `skill ${i}`)
  const stored = new Map<string, Float32Array>()
  for (const p of vocabulary) stored.set(phraseHash(p), unit())
  const index = new EmbeddedIndex()
  const bodies = new Map<string, Record<string, unknown>>()
  for (let i = 0; i < 300; i++) {
    const body = {
      name: `Org ${i}`,
      description: `organisation ${i} works on ${rng.pick(vocabulary)}`,
      competencies: rng.sample(vocabulary, 1 + rng.int(6)),
      needs: rng.sample(vocabulary, 1 + rng.int(3)),
      s3Areas: rng.sample(['A', 'B', 'C', 'D'], rng.int(3)),
      region: rng.pick(['Lombardia', 'Piemonte', 'Veneto'])
    }
    const id = `o${i}`
    bodies.set(id, body)
    const texts = facetTexts('organizations', body)
    const facetHashes: Record<string, string> = {}
    const vectors: Record<string, Float32Array> = {}
    for (const [facet, text] of Object.entries(texts)) {
      const v = unit()
      stored.set(contentHash(text), v)
      facetHashes[facet] = contentHash(text)
      vectors[facet] = v
    }
    const fields = { ...indexFields('organizations', id, 1, body, '2026-01-01T00:00:00.000Z', 'm'), facet_hashes: facetHashes }
    await index.bulk([{ op: 'upsert', doc: { kind: 'organizations', id, version: 1, fields, vectors } }])
  }
  await new VectorCache(store.db).putMany('m', stored)
  // The hand-set weights, and a trained-looking set with negative weights (the bound must still hold).
  const negative = { ...parseWeights(undefined), phrase_match: -0.1, fusion: -0.05, lexical: 0.3 }
  let compared = 0
  for (const [weights, mode] of [parseWeights(undefined), negative].flatMap((w) => (['complementary', 'similar', 'reciprocal'] as PartnerMode[]).map((m) => [w, m] as const))) {
    const matcher = new PartnerMatcher(new CollaborationGraph(store.db), index, new VectorCache(store.db), weights)
    for (const id of ['o1', 'o17', 'o42', 'o99', 'o250']) {
      const seeker = await seekerFromRecord('organizations', id, bodies.get(id) as Record<string, unknown>, 'm', new VectorCache(store.db))
      const q = { seeker, mode, filters: {}, excludePastPartners: false, model: 'm' }
      const all = await matcher.match(q)
      for (const depth of [1, 5, 10, 37]) {
        const top = await matcher.match({ ...q, depth })
        t.equal(top.total, all.total, 'the same number of candidates')
        t.same(top.results, all.results.slice(0, depth), `${mode} for ${id}, depth ${depth}: the same results, scores and reasons`)
        compared++
        if (depth === 10) {
          // The stages one by one give what match() gives, and each keeps its promise.
          const staged = { ...q, depth }
          const pool = await matcher.pool(staged, await matcher.retrieve(staged))
          const scored = matcher.score(staged, pool)
          t.ok(scored.every((c, i) => i === 0 || (scored[i - 1] as typeof c).bound >= c.bound), 'score: sorted by bound')
          const ranked = await matcher.rank(staged, pool, scored)
          t.ok(ranked.every((c) => c.score <= c.bound), 'rank: no score above its bound')
          t.ok(ranked.every((c, i) => i === 0 || (ranked[i - 1] as typeof c).score >= c.score), 'rank: in score order')
          t.same(ranked.map((c) => explain(staged, pool, c)), top.results, 'explain: the results match() serves')
        }
      }
    }
  }
  t.equal(compared, 120)
})
