// End-to-end ingestion: 10k fixture records from `POST /v1/bulk` to searchable, on the embedded
// default and on Postgres + Redis + Elasticsearch, side by side with the raw embedding throughput
// of the same model on the same texts (a bare onnxruntime session, the engine's token-count batches).
// The model runs in its own process (EMBEDDING_PROCESS=separate, the default); the embedded default
// also runs with the model inside the API process (EMBEDDING_PROCESS=inline) for comparison.
// Usage: npm run bench:ingest   (env: BENCH_RECORDS=10000, BENCH_MODEL=all-minilm-l6-v2,
// BENCH_RUNS=embedded,inline,distributed: the runs to make, all by default)
import { resolve } from 'node:path'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freshDatabase } from './lib/database.ts'
import { loadConfig } from '../config/load.ts'
import { buildServer } from '../src/build.ts'
import { modelSpec } from '../src/embedding/model-catalog.ts'
import { modelFolder } from '../src/embedding/maven-provisioner.ts'
import { contentHash, facetTexts, phraseHash, phrasesOf } from '../src/domain/facets.ts'
import type { Kind } from '../src/domain/kinds.ts'
import { KINDS } from '../src/domain/kinds.ts'
import { ElasticsearchIndex } from '../src/search/elasticsearch-index.ts'
import { VectorCache } from '../src/records/vector-cache.ts'
import { generateRecords } from '../fixtures/generate.ts'
import { RawOnnxModel } from './lib/raw-onnx.ts'
import { tokenBatches } from '../src/embedding/token-batches.ts'
import { EMBED_BATCH, EMBED_BATCH_TOKENS } from '../src/embedding/transformers-embedder.ts'
import { report } from './lib/report.ts'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000)
const MODEL = process.env.BENCH_MODEL ?? 'all-minilm-l6-v2'
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const ES = process.env.TEST_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const KEY = 'bench-admin-key-0123456789'
const config = loadConfig()
const RUNS = new Set((process.env.BENCH_RUNS ?? 'embedded,inline,distributed').split(','))

const lines: string[] = []
// Exactly what the pipeline embeds: facet texts (passages) and phrases, each distinct text once.
const texts = new Map<string, string>()
const phrases = new Map<string, string>()
for await (const line of generateRecords({ records: RECORDS, seed: 42 })) {
  lines.push(JSON.stringify(line))
  if (line.op !== 'upsert') continue
  for (const t of Object.values(facetTexts(line.kind as Kind, line.record))) texts.set(contentHash(t), t)
  const p = phrasesOf(line.kind as Kind, line.record)
  for (const phrase of [...p.competencies, ...p.needs]) phrases.set(phraseHash(phrase), phrase.trim().toLowerCase())
}
const ndjson = lines.join('\n') + '\n'
console.log(`${lines.length} records, ${texts.size} distinct facet texts and ${phrases.size} distinct phrases, model ${MODEL}`)

// Raw: the same distinct texts through a bare session, in the engine's batches (token-batches.ts: up
// to 32 texts of similar token count, at most 1,024 padded tokens), with tokenization included.
async function rawThroughput (): Promise<number> {
  const spec = modelSpec(MODEL)
  const raw = await RawOnnxModel.open(spec, resolve(modelFolder(config.MODELS_DIR, spec)), config.EMBEDDING_THREADS)
  const started = performance.now()
  for (const [role, set] of [['passage', texts], ['phrase', phrases]] as const) {
    // The bare session knows query and passage prefixes; a phrase uses the model's symmetric prefix.
    const asRole = role === 'phrase' ? (spec.phrasePrefix === spec.queryPrefix ? 'query' : 'passage') : 'passage'
    // Batched by token count as the engine's embedder batches (counting them is part of the time),
    // over the whole set at once: the engine sees one job's texts at a time.
    const prefix = asRole === 'query' ? spec.queryPrefix : spec.passagePrefix
    const all = [...set.values()]
    const tokens = all.map((t) => Math.min(spec.maxTokens, raw.tokenizer.encode(prefix + t).length))
    for (const idx of tokenBatches(tokens, { maxTexts: EMBED_BATCH, maxTokens: EMBED_BATCH_TOKENS })) await raw.embed(idx.map((i) => all[i] as string), asRole)
  }
  const seconds = (performance.now() - started) / 1000
  await raw.close()
  return (texts.size + phrases.size) / seconds
}

async function endToEnd (label: string, env: Record<string, string>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-ingest-'))
  const app = await buildServer({
    config: loadConfig({ DATA_DIR: dataDir, MODELS_DIR: config.MODELS_DIR, EMBEDDING_MODEL: MODEL, EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false', API_KEYS: `${KEY}:admin`, LOG_LEVEL: 'silent', DEMO_DATA: 'false', EMBEDDING_THREADS: String(config.EMBEDDING_THREADS), ...env })
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
  // Searchable means found by a search as the index stands, without forcing a refresh: a refresh of
  // every index at each poll, as this loop once did, cost Elasticsearch a new segment (and a vector
  // graph to merge) each time, CPU the model then lacked.
  for (;;) {
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

// Raw is measured before the pipeline runs and again after them, and their mean is the baseline:
// one raw pass alone moved by up to a tenth between runs on this machine (301 to 332 texts/s).
const rawBefore = await rawThroughput()
console.log(`raw: ${rawBefore.toFixed(1)} texts/s`)
let rawTexts = rawBefore
const rows: Array<Record<string, string | number>> = []
const finished: Array<{ label: string, seconds: number, acceptSeconds: number, embedded: number }> = []
const row = (r: { label: string, seconds: number, acceptSeconds: number, embedded: number }) => finished.push({ label: r.label, seconds: r.seconds, acceptSeconds: r.acceptSeconds, embedded: r.embedded })
const toRow = (r: { label: string, seconds: number, acceptSeconds: number, embedded: number }) => rows.push({
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

for (const [label, where] of ([['model process', 'separate', 'embedded'], ['model in the API process', 'inline', 'inline']] as const).filter(([, , run]) => RUNS.has(run))) {
  const embedded = await endToEnd(`embedded (PGlite, in-process queue, embedded index), ${label}`, { EMBEDDING_PROCESS: where })
  row(embedded)
  await embedded.app.close()
  await rm(embedded.dataDir, { recursive: true, force: true })
}

if (RUNS.has('distributed')) {
  const db = await freshDatabase('bench')
  const prefix = `bench-${Date.now()}-`
  const distributed = await endToEnd('Postgres + BullMQ/Redis + Elasticsearch, model process', { DATABASE_URL: db.url, REDIS_URL: REDIS, ELASTICSEARCH_URL: ES, INDEX_PREFIX: prefix, QUEUE_NAME: `bench-${Date.now()}` })
  row(distributed)
  await distributed.app.close()
  await new ElasticsearchIndex({ url: ES }).client.indices.delete({ index: `${prefix}*` }).catch(() => {})
  await db.drop()
}

const rawAfter = await rawThroughput()
console.log(`raw again: ${rawAfter.toFixed(1)} texts/s`)
rawTexts = (rawBefore + rawAfter) / 2
for (const r of finished) toRow(r)

await report('ingest', rows, {
  description: 'From POST /v1/bulk to every record searchable; texts/s counts distinct facet texts embedded by the pipeline. Raw: the same texts through a bare onnxruntime session in the engine\'s batches (sorted by token count over the whole set, at most 32 texts and 1,024 padded tokens each), in the benchmark process, before and after the pipeline runs (raw texts/s is their mean). "model process": EMBEDDING_PROCESS=separate (default); "model in the API process": EMBEDDING_PROCESS=inline.',
  model: MODEL,
  rawTextsPerSecond: { before: Math.round(rawBefore * 10) / 10, after: Math.round(rawAfter * 10) / 10 }
})
