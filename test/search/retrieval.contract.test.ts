import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import { VectorCache } from '../../src/records/vector-cache.ts'
import { buildDocuments } from '../../src/pipeline/document-builder.ts'
import { TransformersEmbedder } from '../../src/embedding/transformers-embedder.ts'
import { EmbeddedIndex } from '../../src/search/embedded/embedded-index.ts'
import { ElasticsearchIndex } from '../../src/search/elasticsearch/elasticsearch-index.ts'
import type { SearchIndex } from '../../src/ports/search-index.ts'
import type { RetrievalQuery } from '../../src/ports/retrieval.ts'
import { needs, onCleanup, services } from '../helpers/services.ts'
import { ORGS } from '../helpers/sample-orgs.ts'
import { storeAndModel } from '../helpers/model-store.ts'

/**
 * The contract every search index keeps, run on each backend at hand: the embedded index always,
 * Elasticsearch when it answers (on CI it must: `needs` fails the test otherwise). Where both run,
 * they must also agree with each other.
 */
async function setUp (t: Test): Promise<{ embedder: TransformersEmbedder, backends: Array<[string, SearchIndex]> } | null> {
  const withElasticsearch = await needs(t, 'Elasticsearch', services.elasticsearch)
  const opened = await storeAndModel(t)
  if (!opened) return null
  const { store, embedder } = opened
  const { docs } = await buildDocuments(ORGS.map(([id, body]) => ({ kind: 'organizations', id, version: 1, body, updatedAt: '2026-11-01T00:00:00.000Z' })), embedder, new VectorCache(store.db))
  const backends: Array<[string, SearchIndex]> = []
  if (withElasticsearch) {
    const es = new ElasticsearchIndex({ url: services.elasticsearch, prefix: `test-retrieval-${randomUUID().slice(0, 8)}-` })
    onCleanup(t, async () => { await es.client.indices.delete({ index: `${es.prefix}*` }); await es.close() })
    backends.push(['elasticsearch', es])
  }
  backends.push(['embedded', new EmbeddedIndex()])
  for (const [, index] of backends) {
    await index.ensureIndices()
    const r = await index.bulk(docs.map((doc) => ({ op: 'upsert', doc })))
    t.equal(r.applied, ORGS.length)
    await index.refresh()
  }
  return { embedder, backends }
}

t.test('both backends return the same candidates for the same retrieval', async (t) => {
  const ctx = await setUp(t)
  if (!ctx) return
  const { embedder, backends } = ctx
  const [needVec] = await embedder.embed(['sensors to monitor the condition of factory machines'], 'query')
  const [batteryVec] = await embedder.embed(['riciclo delle batterie'], 'query')
  const cases: Array<[string, RetrievalQuery, string[]]> = [
    ['Italian BM25 across inflections', { kind: 'organizations', filter: {}, lexical: { text: 'macchina industriale', fields: { title: 2, text: 1, competencies_text: 1 } }, size: 3 }, ['o1']],
    ['English BM25 across inflections', { kind: 'organizations', filter: {}, lexical: { text: 'recycled battery', fields: { title: 2, text: 1, competencies_text: 1 } }, size: 3 }, ['o5']],
    ['BM25 with a filter', { kind: 'organizations', filter: { anyOf: { country: ['IT'] } }, lexical: { text: 'batterie riciclo', fields: { text: 1, competencies_text: 1 } }, size: 3 }, ['o6']],
    ['kNN on competencies', { kind: 'organizations', filter: {}, semantic: [{ facet: 'competencies', vector: needVec! }], size: 3 }, ['o3']],
    ['kNN leaving out its best neighbour still lists as many', { kind: 'organizations', filter: { noneOf: { id: ['o3', 'o9'] } }, semantic: [{ facet: 'competencies', vector: needVec! }], size: 3 }, []],
    ['kNN with filters', { kind: 'organizations', filter: { anyOf: { country: ['IT'] }, noneOf: { id: ['o6'] } }, semantic: [{ facet: 'profile', vector: batteryVec! }], size: 2 }, []],
    ['no candidate passes', { kind: 'organizations', filter: { anyOf: { org_kind: ['association'] } }, lexical: { text: 'batterie', fields: { text: 1 } }, semantic: [{ facet: 'profile', vector: batteryVec! }], size: 5 }, []]
  ]
  for (const [what, query, top] of cases) {
    const results = await Promise.all(backends.map(([, index]) => index.retrieve(query)))
    const es = backends.length === 2 ? results[0] : undefined
    const embedded = results[backends.length - 1]
    // Where both backends run: the same lists, the same scores, the same fields.
    for (const [name, list] of Object.entries(es?.lists ?? {})) {
      const other = embedded!.lists[name] ?? []
      t.same(other.map((h) => h.id), list.map((h) => h.id), `${what}: ${name} lists the same ids in the same order`)
      if (name.startsWith('knn')) {
        list.forEach((h, i) => t.ok(Math.abs(h.score - (other[i]?.score ?? NaN)) < 1e-3, `${what}: cosine ${h.score.toFixed(4)} on both`))
      }
    }
    // Ranking reads the same fields from both: Elasticsearch's one doc value holds them as sent.
    for (const [id, doc] of es?.docs ?? []) {
      const other = embedded!.docs.get(id)
      if (!other) continue
      const keys = Object.keys(doc)
      t.ok(keys.includes('competencies') && keys.includes('facet_hashes') && keys.includes('title'), `${what}: ${id} has the fields ranking reads`)
      t.same(doc, Object.fromEntries(keys.map((k) => [k, other[k]])), `${what}: ${id}'s ranking fields are the embedded index's`)
    }
    for (const [backend] of backends) {
      const r = results[backends.findIndex(([b]) => b === backend)]!
      const first = Object.values(r.lists)[0] ?? []
      if (top.length > 0) t.same(first.slice(0, top.length).map((h) => h.id), top, `${backend} ${what}: expected top hit`)
      for (const list of Object.values(r.lists)) for (const h of list) t.ok(r.docs.has(h.id), `${backend} ${what}: fields of ${h.id} returned`)
      if (query.filter.anyOf?.country) for (const d of r.docs.values()) t.equal(d.country, 'IT', `${backend} ${what}: filter holds`)
      for (const id of query.filter.noneOf?.id ?? []) t.notOk(r.docs.has(id), `${backend} ${what}: excluded ${id} absent`)
      if (query.semantic && !query.filter.anyOf) for (const list of Object.values(r.lists)) t.equal(list.length, Math.min(query.size, ORGS.length - (query.filter.noneOf?.id?.filter((id) => ORGS.some(([o]) => o === id)).length ?? 0)), `${backend} ${what}: ${query.size} hits when that many pass`)
    }
  }
})

t.test('several retrievals in one round trip give what each gives alone, in order', async (t) => {
  const ctx = await setUp(t)
  if (!ctx) return
  const { embedder, backends } = ctx
  const [needVec] = await embedder.embed(['sensors to monitor the condition of factory machines'], 'query')
  const queries: RetrievalQuery[] = [
    { kind: 'organizations', filter: {}, lexical: { text: 'batterie riciclo', fields: { text: 1, competencies_text: 1 } }, semantic: [{ facet: 'competencies', vector: needVec! }], size: 3 },
    { kind: 'organizations', filter: { anyOf: { country: ['IT'] } }, semantic: [{ facet: 'profile', vector: needVec! }], size: 2, include: { network: [{ id: 'o1', score: 1 }, { id: 'o5', score: 0.5 }] } },
    { kind: 'organizations', filter: {}, size: 3 },
    { kind: 'people', filter: {}, lexical: { text: 'machine', fields: { text: 1 } }, size: 3 }
  ]
  for (const [backend, index] of backends) {
    const many = await index.retrieveMany(queries)
    t.equal(many.length, queries.length, `${backend}: one result per query`)
    for (const [i, q] of queries.entries()) {
      const alone = await index.retrieve(q)
      t.same(many[i]!.lists, alone.lists, `${backend}: query ${i} lists as alone`)
      t.same([...many[i]!.docs.keys()].sort(), [...alone.docs.keys()].sort(), `${backend}: query ${i} documents as alone`)
    }
    t.ok(Object.values(many[0]!.lists).some((l) => l.length > 0), `${backend}: the first query finds something`)
    t.same(many[1]!.lists.network?.map((h) => h.id), ['o1'], `${backend}: an included list keeps its order and drops what the filter refuses (o5 is French)`)
    t.same(await index.retrieveMany([]), [], `${backend}: no query, no round trip`)
  }
})

t.test('both backends count facets alike, over every match', async (t) => {
  const ctx = await setUp(t)
  if (!ctx) return
  for (const [name, index] of ctx.backends) {
    const italian = await index.facets({ kind: 'organizations', filter: { anyOf: { country: ['IT'] } }, fields: ['org_kind', 'region'], size: 10 })
    t.same(italian.org_kind, [{ value: 'company', count: 4 }, { value: 'public_body', count: 1 }, { value: 'university', count: 1 }], `${name}: kinds of Italian organisations`)
    t.same(italian.region, [{ value: 'Lombardia', count: 5 }, { value: 'Piemonte', count: 1 }], `${name}: regions`)
    const batteries = await index.facets({ kind: 'organizations', filter: {}, lexical: { text: 'batterie riciclo', fields: { text: 1, competencies_text: 1 } }, fields: ['country'], size: 10 })
    t.same(batteries.country, [{ value: 'FR', count: 1 }, { value: 'IT', count: 1 }], `${name}: countries of the text matches`)
  }
})
