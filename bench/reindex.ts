// Reindex from stored vectors into Elasticsearch (what `npm run reindex` runs), in documents/s,
// side by side with the bare bulk indexing of the same documents already built in memory: the
// ceiling Elasticsearch itself sets on this machine, with the same mapping and settings.
//
// Corpus: fixture records with SYNTHESISED vectors (clustered, normalised; bench/lib/synthetic-vectors.ts)
// written straight into the store, as the pipeline would have left them; no text is embedded.
// Usage: npm run bench:reindex   (env: BENCH_RECORDS=30000, BENCH_INFLIGHT=2, BENCH_ROUNDS=3, TEST_DATABASE_URL, TEST_ELASTICSEARCH_URL)
import { createStore } from '../src/store/create-store.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import type { Database } from '../src/store/schema.ts'
import { ElasticsearchIndex } from '../src/search/elasticsearch/elasticsearch-index.ts'
import { KINDS, type Kind } from '../src/domain/kinds.ts'
import { VectorCache } from '../src/records/vector-cache.ts'
import { reindexAll } from '../src/pipeline/reindex.ts'
import { buildDocuments } from '../src/pipeline/document-builder.ts'
import { TransformersEmbedder } from '../src/embedding/transformers-embedder.ts'
import { loadModel } from '../src/embedding/load-model.ts'
import { modelSpec } from '../src/embedding/model-catalog.ts'
import type { IndexDocument } from '../src/ports/search-index.ts'
import { SyntheticVectors } from './lib/synthetic-vectors.ts'
import { corpus, loadCorpus } from './lib/latency-corpus.ts'
import { freshDatabase } from './lib/database.ts'
import { report } from './lib/report.ts'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 30_000)
const ES = process.env.TEST_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const MODEL = process.env.EMBEDDING_MODEL ?? 'bge-small-en-v1.5'
/** Bulk requests in flight, for both runs. */
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 2)
/** Alternating rounds of both runs; the median of each is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const RECALL_K = 20
const RECALL_QUERIES = 200
const log = (m: string) => console.error(`[reindex] ${m}`)

// The latency corpus's mix: a quarter organisations, a quarter people, half proposals, plus projects,
// communities and content.
const n = (share: number) => Math.max(1, Math.round(RECORDS * share))
const size = { organizations: n(0.2), people: n(0.2), proposals: n(0.4), projects: n(0.15), communities: n(0.001), content: n(0.049) }

const db = await freshDatabase('reindex')
const store = await createStore<Database>({ databaseUrl: db.url, dataDir: '.data/unused' })
const prefix = `bench-reindex-${Date.now()}-`
const es = new ElasticsearchIndex({ url: ES, prefix, requestTimeoutMs: 120_000 })
try {
  await migrateToLatest(store.db)
  const loaded = await loadCorpus(store.db, null, corpus(size), new SyntheticVectors(), MODEL, log)
  log(`store holds ${loaded.records} records and ${loaded.vectors} vectors`)
  const embedder = new TransformersEmbedder()
  embedder.use(await loadModel({ spec: modelSpec(MODEL), modelsDir: process.env.MODELS_DIR ?? 'models', allowRemote: false, allowMaven: false, threads: 0, log }))

  const freshTargets = async (label: string) => {
    const targets: Partial<Record<Kind, string>> = {}
    for (const kind of KINDS) targets[kind] = await es.createIndex(kind, label)
    return es.writingTo(targets)
  }

  // Bare: the same documents, built beforehand, sent in bulks of the same size with as many in flight.
  const docs: IndexDocument[] = []
  for (const kind of KINDS) {
    const rows = await store.db.selectFrom('records').select(['id', 'revision', 'body', 'updated_at']).where('kind', '=', kind).where('deleted', '=', false).orderBy('id').execute()
    const built = await buildDocuments(rows.map((r) => ({ kind, id: r.id, version: Number(r.revision), body: r.body as Record<string, unknown>, updatedAt: new Date(r.updated_at).toISOString() })), embedder, new VectorCache(store.db))
    docs.push(...built.docs)
  }
  // Rounds alternate, each on new indices, and each run's median is reported: one run of each
  // swung by a fifth with whatever else the machine was doing (the first run after loading met
  // Postgres's checkpoint and autovacuum of the new rows).
  const bareSeconds: number[] = []
  const reindexSeconds: number[] = []
  let stats = { documents: 0, reusedVectors: 0, embeddedVectors: 0, ms: 0 }
  for (let round = 1; round <= ROUNDS; round++) {
    const bare = await freshTargets('bare')
    let started = performance.now()
    const pending: Array<Promise<unknown>> = []
    for (let i = 0; i < docs.length; i += 500) {
      pending.push(bare.bulk(docs.slice(i, i + 500).map((doc) => ({ op: 'upsert' as const, doc }))).then((r) => { if (r.failed.length > 0) throw new Error(`bare bulk failed: ${r.failed[0]?.reason}`) }))
      if (pending.length >= INFLIGHT) await pending.shift()
    }
    await Promise.all(pending)
    await bare.refresh()
    bareSeconds.push((performance.now() - started) / 1000)
    await es.client.indices.delete({ index: `${prefix}*-vbare` })

    const last = round === ROUNDS
    started = performance.now()
    stats = await reindexAll({ db: store.db, embedder, cache: new VectorCache(store.db), target: await freshTargets('reindex'), concurrency: INFLIGHT })
    reindexSeconds.push((performance.now() - started) / 1000)
    if (stats.embeddedVectors > 0) throw new Error(`reindex embedded ${stats.embeddedVectors} texts: the store should have held every vector`)
    log(`round ${round}: bare ${Math.round(docs.length / (bareSeconds.at(-1) as number))} docs/s, reindex ${Math.round(stats.documents / (reindexSeconds.at(-1) as number))} docs/s`)
    if (!last) await es.client.indices.delete({ index: `${prefix}*-vreindex` })
  }

  // What the build cost buys: recall of the service's own kNN query (HNSW on int8, rescored) against
  // an exact scan here (vectors are normalised: cosine is the dot product), organisations' competencies searched by other organisations' needs.
  const target = es.writingTo(Object.fromEntries(KINDS.map((k) => [k, `${prefix}${k}-vreindex`])))
  await target.refresh()
  const probes = docs.filter((d) => d.kind === 'organizations' && d.vectors.needs).filter((_, i) => i % 7 === 0).slice(0, RECALL_QUERIES)
  const orgs = docs.filter((d) => d.kind === 'organizations' && d.vectors.competencies)
  let found = 0
  for (const probe of probes) {
    const vector = probe.vectors.needs as Float32Array
    const approx = await target.retrieve({ kind: 'organizations', filter: {}, semantic: [{ facet: 'competencies', vector }], size: RECALL_K })
    const exact = orgs.map((d) => ({ id: d.id, score: dot(vector, d.vectors.competencies as Float32Array) })).sort((a, b) => b.score - a.score).slice(0, RECALL_K)
    const got = new Set((approx.lists['knn:competencies'] ?? []).map((h) => h.id))
    found += exact.filter((h) => got.has(h.id)).length
  }
  const recall = found / (probes.length * RECALL_K)
  log(`kNN recall@${RECALL_K} against an exact scan over ${probes.length} queries: ${recall.toFixed(3)}`)

  const rows = [
    { run: 'bare bulk of prebuilt documents', documents: docs.length, seconds: round(median(bareSeconds)), 'docs/s': Math.round(docs.length / median(bareSeconds)) },
    { run: 'reindex from the store', documents: stats.documents, seconds: round(median(reindexSeconds)), 'docs/s': Math.round(stats.documents / median(reindexSeconds)) }
  ]
  await report('reindex', rows, {
    description: 'Reindex from stored vectors into new Elasticsearch indices, beside a bare bulk of the same documents prebuilt in memory. Vectors are synthesised.',
    model: MODEL,
    corpus: size,
    reindexOverBare: round(median(bareSeconds) / median(reindexSeconds), 3),
    rounds: { bareDocsPerSecond: bareSeconds.map((x) => Math.round(docs.length / x)), reindexDocsPerSecond: reindexSeconds.map((x) => Math.round(stats.documents / x)) },
    knnRecall: { k: RECALL_K, queries: probes.length, recall: round(recall, 3), note: "organisations' competencies searched by organisations' needs with the service's kNN query, against an exact scan" },
    vectorsReused: stats.reusedVectors
  })
} finally {
  await es.client.indices.delete({ index: `${prefix}*` }).catch(() => {})
  await store.close()
  await db.drop()
}

function round (x: number, digits = 1): number {
  return Math.round(x * 10 ** digits) / 10 ** digits
}

function median (xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] as number : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2
}

function dot (a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number)
  return s
}
