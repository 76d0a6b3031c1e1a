// End-to-end ingestion: 10k fixture records from `POST /v1/bulk` to searchable, on the embedded
// default and on Postgres + Redis + Elasticsearch, side by side with the raw embedding throughput
// of the same model on the same texts (a bare onnxruntime session, batches of 32 sorted by length).
// Then: reindex from stored vectors into a new Elasticsearch index (docs/s).
// Usage: npm run bench:ingest   (env: BENCH_RECORDS=10000, BENCH_MODEL=all-minilm-l6-v2)
import { resolve } from 'node:path'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { loadConfig } from '../config/load.ts'
import { buildServer } from '../src/build.ts'
import { modelSpec } from '../src/embedding/model-catalog.ts'
import { modelFolder } from '../src/embedding/maven-provisioner.ts'
import { contentHash, facetTexts } from '../src/domain/facets.ts'
import type { Kind } from '../src/domain/kinds.ts'
import { KINDS } from '../src/domain/kinds.ts'
import { ElasticsearchIndex } from '../src/search/elasticsearch-index.ts'
import { VectorCache } from '../src/records/vector-cache.ts'
import { reindexAll } from '../src/pipeline/reindex.ts'
import { generateRecords } from '../fixtures/generate.ts'
import { RawOnnxModel } from './lib/raw-onnx.ts'
import { report } from './lib/report.ts'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000)
const MODEL = process.env.BENCH_MODEL ?? 'all-minilm-l6-v2'
const POSTGRES = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const ES = process.env.TEST_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const KEY = 'bench-admin-key-0123456789'
const config = loadConfig()

const lines: string[] = []
const texts = new Map<string, string>()
for await (const line of generateRecords({ records: RECORDS, seed: 42 })) {
  lines.push(JSON.stringify(line))
  if (line.op === 'upsert') for (const t of Object.values(facetTexts(line.kind as Kind, line.record))) texts.set(contentHash(t), t)
}
const ndjson = lines.join('\n') + '\n'
console.log(`${lines.length} records, ${texts.size} distinct facet texts, model ${MODEL}`)

// Raw: the same distinct texts through a bare session, batches of 32 sorted by length.
async function rawThroughput (): Promise<number> {
  const spec = modelSpec(MODEL)
  const raw = await RawOnnxModel.open(spec, resolve(modelFolder(config.MODELS_DIR, spec)), config.EMBEDDING_THREADS)
  const sorted = [...texts.values()].sort((a, b) => a.length - b.length)
  const started = performance.now()
  for (let i = 0; i < sorted.length; i += 32) await raw.embed(sorted.slice(i, i + 32), 'passage')
  const seconds = (performance.now() - started) / 1000
  await raw.close()
  return sorted.length / seconds
}

async function freshDatabase (): Promise<{ url: string, drop: () => Promise<void> }> {
  const name = `engine_bench_${process.pid}_${Date.now()}`
  const admin = new pg.Client({ connectionString: POSTGRES })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(POSTGRES)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    }
  }
}

async function endToEnd (label: string, env: Record<string, string>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-ingest-'))
  const app = await buildServer({
    config: loadConfig({ DATA_DIR: dataDir, MODELS_DIR: config.MODELS_DIR, EMBEDDING_MODEL: MODEL, EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false', API_KEYS: `${KEY}:admin`, LOG_LEVEL: 'silent', EMBEDDING_THREADS: String(config.EMBEDDING_THREADS), ...env })
  })
  await app.parts.modelReady
  const started = performance.now()
  const res = await app.inject({ method: 'POST', url: '/v1/bulk', payload: ndjson, headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${KEY}` } })
  const accepted = performance.now()
  const summary = res.json()
  if (summary.failed > 0) throw new Error(`${label}: ${summary.failed} lines failed: ${JSON.stringify(summary.errors.slice(0, 3))}`)
  const live = new Map<Kind, number>()
  for (const l of lines) {
    const o = JSON.parse(l)
    live.set(o.kind, (live.get(o.kind) ?? 0) + (o.op === 'upsert' ? 1 : 0))
  }
  for (;;) {
    await app.parts.searchIndex.refresh()
    let ok = true
    for (const kind of KINDS) if ((await app.parts.searchIndex.count(kind)) < (live.get(kind) ?? 0)) ok = false
    if (ok) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const seconds = (performance.now() - started) / 1000
  const embedded = await new VectorCache(app.parts.store.db).count(MODEL)
  const result = { label, seconds, acceptSeconds: (accepted - started) / 1000, embedded, app, dataDir }
  return result
}

const rawTexts = await rawThroughput()
console.log(`raw: ${rawTexts.toFixed(1)} texts/s`)
const rows: Array<Record<string, string | number>> = []
const row = (r: { label: string, seconds: number, acceptSeconds: number, embedded: number }) => rows.push({
  backend: r.label,
  records: RECORDS,
  'texts embedded': r.embedded,
  'accept s': Math.round(r.acceptSeconds * 10) / 10,
  'to searchable s': Math.round(r.seconds * 10) / 10,
  'records/s': Math.round(RECORDS / r.seconds),
  'texts/s': Math.round((r.embedded / r.seconds) * 10) / 10,
  'raw texts/s': Math.round(rawTexts * 10) / 10,
  'e2e/raw': Math.round((r.embedded / r.seconds / rawTexts) * 1000) / 1000
})

const embedded = await endToEnd('embedded (PGlite, in-process queue, embedded index)', {})
row(embedded)
await embedded.app.close()
await rm(embedded.dataDir, { recursive: true, force: true })

const db = await freshDatabase()
const prefix = `bench-${Date.now()}-`
const distributed = await endToEnd('Postgres + BullMQ/Redis + Elasticsearch', { DATABASE_URL: db.url, REDIS_URL: REDIS, ELASTICSEARCH_URL: ES, INDEX_PREFIX: prefix, QUEUE_NAME: `bench-${Date.now()}` })
row(distributed)

// Reindex from stored vectors into fresh Elasticsearch indices.
const es = distributed.app.parts.searchIndex as ElasticsearchIndex
const targets: Partial<Record<Kind, string>> = {}
for (const kind of KINDS) targets[kind] = await es.createIndex(kind, `reindex${Date.now()}`)
const stats = await reindexAll({ db: distributed.app.parts.store.db, embedder: distributed.app.parts.embedder, cache: new VectorCache(distributed.app.parts.store.db), target: es.writingTo(targets) })
const reindexRow = { documents: stats.documents, seconds: Math.round(stats.ms / 100) / 10, 'docs/s': Math.round(stats.documents / (stats.ms / 1000)), 'vectors reused': stats.reusedVectors, 'vectors embedded': stats.embeddedVectors }
console.table([reindexRow])
await distributed.app.close()
await es.client.indices.delete({ index: `${prefix}*` }).catch(() => {})
await db.drop()

await report('ingest', rows, {
  description: 'From POST /v1/bulk to every record searchable; texts/s counts distinct facet texts embedded by the pipeline. Raw: the same texts through a bare onnxruntime session in length-sorted batches of 32.',
  model: MODEL,
  reindex: reindexRow
})
