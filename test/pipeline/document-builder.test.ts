import t from 'tap'
import type { Test } from 'tap'
import type { Kysely } from 'kysely'
import type { Database } from '../../src/store/schema.ts'
import { VectorCache } from '../../src/records/vector-cache.ts'
import { buildDocuments, type SourceRecord } from '../../src/pipeline/document-builder.ts'
import { TransformersEmbedder } from '../../src/embedding/transformers-embedder.ts'
import type { EmbedOptions, Embedder, TextRole } from '../../src/ports/embedder.ts'
import { ORGS } from '../helpers/sample-orgs.ts'
import { storeAndModel } from '../helpers/model-store.ts'

/** The real model, noting every text it is asked to embed (with its role: one text may be a passage and a phrase); `failOn` makes calls holding that text fail. */
class CountingEmbedder implements Embedder {
  readonly texts: string[] = []
  failOn: string | null = null
  constructor (private readonly inner: TransformersEmbedder) {}
  get model () { return this.inner.model }
  get dimensions () { return this.inner.dimensions }
  get available () { return this.inner.available }
  async embed (texts: readonly string[], role: TextRole, options?: EmbedOptions): Promise<Float32Array[]> {
    if (this.failOn !== null && texts.includes(this.failOn)) throw new Error('the model failed')
    this.texts.push(...texts.map((text) => `${role}: ${text}`))
    return this.inner.embed(texts, role, options)
  }

  health () { return this.inner.health() }
  close () { return this.inner.close() }
}

async function setUp (t: Test): Promise<{ embedder: CountingEmbedder, cache: VectorCache, store: { db: Kysely<Database> } } | null> {
  const opened = await storeAndModel(t)
  if (!opened) return null
  const { store, embedder } = opened
  return { embedder: new CountingEmbedder(embedder), cache: new VectorCache(store.db), store }
}

const record = ([id, body]: [string, Record<string, unknown>]): SourceRecord => ({ kind: 'organizations', id, version: 1, body, updatedAt: '2026-11-01T00:00:00.000Z' })
// Two jobs that share records o3..o6 (texts and phrases), as two concurrent outbox batches can.
const first = ORGS.slice(0, 6).map(record)
const second = ORGS.slice(2).map(record)

t.test('two jobs at once embed each distinct text once, and both get every vector', async (t) => {
  const ctx = await setUp(t)
  if (!ctx) return
  const { embedder, cache, store } = ctx
  const [a, b] = await Promise.all([buildDocuments(first, embedder, cache), buildDocuments(second, embedder, cache)])
  t.equal(new Set(embedder.texts).size, embedder.texts.length, `no text went through the model twice (${embedder.texts.length} texts)`)
  t.equal(a.stats.embedded + b.stats.embedded, embedder.texts.length)
  t.ok(b.stats.reused > 0, 'the second job took texts from the first')
  t.equal(cache.claims.size, 0, 'every claim is released')

  // The same documents as one job alone builds, from a store that already has every vector.
  const alone = await buildDocuments([...first, ...second.slice(4)], embedder, new VectorCache(store.db))
  t.equal(alone.stats.embedded, 0, 'every vector was stored')
  const expected = new Map(alone.docs.map((d) => [d.id, d]))
  for (const doc of [...a.docs, ...b.docs]) {
    const want = expected.get(doc.id)
    t.same(Object.keys(doc.vectors).sort(), Object.keys(want?.vectors ?? {}).sort(), `${doc.id} carries its searched vectors`)
    for (const [facet, v] of Object.entries(doc.vectors)) t.same([...v], [...(want?.vectors as Record<string, Float32Array>)[facet] ?? []], `${doc.id} ${facet}`)
  }
})

t.test('when the job holding a text fails, the job waiting for it fails too, and a retry embeds it', async (t) => {
  const ctx = await setUp(t)
  if (!ctx) return
  const { embedder, cache } = ctx
  // o5's competency phrase is in both jobs; the first job's phrase call fails.
  embedder.failOn = 'battery recycling'
  const [a, b] = await Promise.allSettled([buildDocuments(first, embedder, cache), buildDocuments(second, embedder, cache)])
  t.equal(a.status, 'rejected', 'the job holding the phrase fails')
  t.equal(b.status, 'rejected', 'the job waiting for it fails as well')
  t.match(b.status === 'rejected' ? String(b.reason) : '', /concurrent lookup/)
  t.equal(cache.claims.size, 0, 'a failed job releases its claims')
  embedder.failOn = null
  const retry = await buildDocuments(second, embedder, cache)
  t.ok(retry.docs.every((d) => d.vectors.competencies), 'the retry builds every document with its vectors')
})
