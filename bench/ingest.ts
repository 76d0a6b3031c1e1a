// End-to-end ingestion: 10k fixture records from `POST /v1/bulk` to searchable, on the embedded
// default and on Postgres + Redis + Elasticsearch, side by side with the raw embedding throughput
// of the same model on the same texts (a bare onnxruntime session, the engine's token-count batches),
// measured right before and right after each run.
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
import { ElasticsearchIndex } from '../src/search/elasticsearch/elasticsearch-index.ts'
import { VectorCache } from '../src/records/vector-cache.ts'
import { generateRecords } from '../fixtures/generate.ts'
import { RawOnnxModel } from './lib/raw-onnx.ts'
import { tokenBatches } from '../src/embedding/token-batches.ts'
import { EMBED_BATCH, EMBED_BATCH_TOKENS } from '../src/embedding/transformers-embedder.ts'
import { report } from './lib/report.ts'
import { cpuMeter, pidsMatching } from './lib/process-cpu.ts'

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
// to 32 texts of similar token count, at most 1,024 padded tokens), over the whole set at once (the
// engine sees one job's texts at a time). A raw pass runs every other batch of that list (the same
// mix of shapes, half the time), right before and right after each pipeline run: this machine's
// speed drifts by a tenth or more within minutes, so each run is compared with the passes beside it.
const spec = modelSpec(MODEL)
// Two bare sessions: onnxruntime's idle threads spinning (its default) and not (the engine's default,
// EMBEDDING_SPINNING). Each pass runs both, in alternating order, and a run is divided by the faster.
const folder = resolve(modelFolder(config.MODELS_DIR, spec))
const rawSessions = { spinning: await RawOnnxModel.open(spec, folder, config.EMBEDDING_THREADS, true), 'not spinning': await RawOnnxModel.open(spec, folder, config.EMBEDDING_THREADS, false) }
type RawSetting = keyof typeof rawSessions
const tokenizer = rawSessions.spinning.tokenizer
const rawBatches: Array<{ texts: string[], role: 'query' | 'passage' }> = []
for (const [role, set] of [['passage', texts], ['phrase', phrases]] as const) {
  // The bare session knows query and passage prefixes; a phrase uses the model's symmetric prefix.
  const asRole = role === 'phrase' ? (spec.phrasePrefix === spec.queryPrefix ? 'query' : 'passage') : 'passage'
  const prefix = asRole === 'query' ? spec.queryPrefix : spec.passagePrefix
  const all = [...set.values()]
  const tokens = all.map((t) => Math.min(spec.maxTokens, tokenizer.encode(prefix + t).length))
  for (const idx of tokenBatches(tokens, { maxTexts: EMBED_BATCH, maxTokens: EMBED_BATCH_TOKENS })) rawBatches.push({ texts: idx.map((i) => all[i] as string), role: asRole })
}
const rawSample = rawBatches.filter((_, i) => i % 2 === 0)
const rawSampleTexts = rawSample.reduce((n, b) => n + b.texts.length, 0)

/** One raw pass over the sample with each session (tokenizing each batch, as the engine does, is part of the time). */
let passes = 0
async function rawThroughput (): Promise<Record<RawSetting, number>> {
  const settings = Object.keys(rawSessions) as RawSetting[]
  if (passes++ % 2 === 1) settings.reverse()
  const result = {} as Record<RawSetting, number>
  for (const setting of settings) {
    const started = performance.now()
    for (const batch of rawSample) await rawSessions[setting].embed(batch.texts, batch.role)
    result[setting] = rawSampleTexts / ((performance.now() - started) / 1000)
  }
  return result
}
const rawText = (r: Record<RawSetting, number>) => Object.entries(r).map(([setting, v]) => `${v.toFixed(1)} ${setting}`).join(', ')

async function endToEnd (label: string, env: Record<string, string>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-ingest-'))
  const app = await buildServer({
    config: loadConfig({ DATA_DIR: dataDir, MODELS_DIR: config.MODELS_DIR, EMBEDDING_MODEL: MODEL, EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false', API_KEYS: `${KEY}:admin`, LOG_LEVEL: 'silent', DEMO_DATA: 'false', RATE_LIMIT_MAX: '0', EMBEDDING_THREADS: String(config.EMBEDDING_THREADS), ...env })
  })
  await app.parts.modelReady
  // Where the cores went during the run: the API process (this one: the bench's own polling is a
  // small part), the model process, and the Elasticsearch node and Postgres backends when they run here.
  const modelPid = (app.parts.embedder as { pid?: number }).pid
  const meters = {
    api: cpuMeter(() => [process.pid]),
    model: cpuMeter(() => modelPid ? [modelPid] : []),
    es: cpuMeter(() => env.ELASTICSEARCH_URL ? pidsMatching('org.elasticsearch.') : []),
    // A Postgres backend's command line names its database, which is this run's own.
    pg: cpuMeter(() => env.DATABASE_URL ? pidsMatching(new URL(env.DATABASE_URL).pathname.slice(1)) : [])
  }
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
  const cpu = Object.fromEntries(Object.entries(meters).map(([part, read]) => [part, read()])) as Record<keyof typeof meters, number | null>
  return { label, seconds, acceptSeconds: (accepted - started) / 1000, embedded, cpu, app, dataDir }
}

type Run = Awaited<ReturnType<typeof endToEnd>> & { rawBefore: Record<RawSetting, number>, rawAfter: Record<RawSetting, number> }
const cpuCell = (v: number | null) => v === null ? '-' : Math.round(v)
const toRow = (r: Run): Record<string, string | number> => {
  // Each session's mean over the passes before and after the run; the faster is the baseline.
  const means = (Object.keys(rawSessions) as RawSetting[]).map((setting) => [setting, (r.rawBefore[setting] + r.rawAfter[setting]) / 2] as const)
  const [best, rawTexts] = means.reduce((a, b) => b[1] > a[1] ? b : a)
  return {
    backend: r.label,
    records: RECORDS,
    'texts embedded': r.embedded,
    'accept s': Math.round(r.acceptSeconds * 10) / 10,
    'to searchable s': Math.round(r.seconds * 10) / 10,
    'texts/s': Math.round((r.embedded / r.seconds) * 10) / 10,
    'raw spinning': means.find(([setting]) => setting === 'spinning')?.[1].toFixed(1) ?? '-',
    'raw not spinning': means.find(([setting]) => setting === 'not spinning')?.[1].toFixed(1) ?? '-',
    'raw texts/s': `${rawTexts.toFixed(1)} (${best})`,
    'e2e/raw': Math.round((r.embedded / r.seconds / rawTexts) * 1000) / 1000,
    'CPU s model/API/ES/PG': [r.cpu.model, r.cpu.api, r.cpu.es, r.cpu.pg].map(cpuCell).join(' / ')
  }
}

const plan: Array<{ label: string, env: () => Promise<{ env: Record<string, string>, cleanUp: () => Promise<void> }> }> = []
const embeddedLabel = 'embedded (PGlite, in-process queue, embedded index)'
const local = (where: string) => async () => ({ env: { EMBEDDING_PROCESS: where }, cleanUp: async () => {} })
if (RUNS.has('embedded')) plan.push({ label: `${embeddedLabel}, model process`, env: local('separate') })
if (RUNS.has('inline')) plan.push({ label: `${embeddedLabel}, model in the API process`, env: local('inline') })
if (RUNS.has('distributed')) {
  plan.push({
    label: 'Postgres + BullMQ/Redis + Elasticsearch, model process',
    env: async () => {
      const db = await freshDatabase('bench')
      const prefix = `bench-${Date.now()}-`
      return {
        env: { DATABASE_URL: db.url, REDIS_URL: REDIS, ELASTICSEARCH_URL: ES, INDEX_PREFIX: prefix, QUEUE_NAME: `bench-${Date.now()}` },
        cleanUp: async () => {
          await new ElasticsearchIndex({ url: ES }).client.indices.delete({ index: `${prefix}*` }).catch(() => {})
          await db.drop()
        }
      }
    }
  })
}

const runs: Run[] = []
let rawLast = await rawThroughput()
console.log(`raw: ${rawText(rawLast)} texts/s (${rawSampleTexts} of ${texts.size + phrases.size} texts, every other batch)`)
for (const step of plan) {
  const { env, cleanUp } = await step.env()
  const run = await endToEnd(step.label, env)
  await run.app.close()
  await rm(run.dataDir, { recursive: true, force: true })
  await cleanUp()
  const rawBefore = rawLast
  rawLast = await rawThroughput()
  console.log(`${step.label}: ${(run.embedded / run.seconds).toFixed(1)} texts/s; raw: ${rawText(rawLast)} texts/s`)
  runs.push({ ...run, rawBefore, rawAfter: rawLast })
}
for (const session of Object.values(rawSessions)) await session.close()
const rows = runs.map(toRow)

await report('ingest', rows, {
  description: 'From POST /v1/bulk to every record searchable; texts/s counts distinct facet texts embedded by the pipeline. Raw: the same texts through a bare onnxruntime session in the engine\'s batches (sorted by token count over the whole set, at most 32 texts and 1,024 padded tokens each; every other batch is run, the same mix of shapes), in the benchmark process, right before and right after each pipeline run, by two sessions: spinning (onnxruntime\'s default) and not spinning (the engine\'s default); a run\'s e2e/raw divides by the faster session\'s mean over the two passes beside it. CPU s: user + system seconds during the run of the API process (this one), the model process, the Elasticsearch node and the run\'s Postgres backends. "model process": EMBEDDING_PROCESS=separate (default); "model in the API process": EMBEDDING_PROCESS=inline.',
  model: MODEL,
  rawSampleTexts
})
