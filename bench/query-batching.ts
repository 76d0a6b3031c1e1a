// Free-text query embedding under concurrency: the model process called once per request (as before)
// against the service's QueryBatcher (texts that arrive while a call runs go together in the next
// call), side by side in one process on the same model, alternated; then the small query cache on
// repeated texts. Queries: the 809 SciFact training claims (SHARED_DATA_DIR), real user-length texts.
//
// Usage: npx tsx bench/query-batching.ts   (env: EMBEDDING_MODEL, default bge-small-en-v1.5;
// BENCH_REQUESTS per run, default 480; BENCH_ROUNDS, default 2; SHARED_DATA_DIR, MODELS_DIR)
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ModelProcessEmbedder } from '../src/embedding/model-process-embedder.ts'
import { QueryBatcher } from '../src/embedding/query-batcher.ts'
import { modelSpec } from '../src/embedding/model-catalog.ts'
import type { Embedder } from '../src/ports/embedder.ts'
import { Rng } from '../fixtures/lib/prng.ts'
import { report } from './lib/report.ts'

const MODEL = process.env.EMBEDDING_MODEL ?? 'bge-small-en-v1.5'
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 480)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const DATA = process.env.SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data')
const log = (m: string) => console.error(`[query-batching] ${m}`)

const claims = (await readFile(join(DATA, 'scifact', 'queries_train.jsonl'), 'utf8')).split('\n').filter(Boolean)
  .map((l) => (JSON.parse(l) as { text: string }).text)
log(`${claims.length} SciFact claims; model ${MODEL}`)

const model = new ModelProcessEmbedder()
await model.start({ spec: modelSpec(MODEL), modelsDir: process.env.MODELS_DIR ?? 'models', allowRemote: false, allowMaven: false })
await model.embed(['warm up'], 'query')

interface Run { requests: number, seconds: number, perS: number, p50: number, p99: number, cpuMsPerRequest: number }

/** `requests` query embeddings by `concurrency` clients, each taking the next text. */
async function run (embedder: Embedder, texts: readonly string[], concurrency: number): Promise<Run> {
  let next = 0
  const latencies: number[] = []
  const cpu0 = process.cpuUsage()
  const modelCpu0 = await childCpuMs()
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < texts.length) {
      const text = texts[next++] as string
      const t0 = performance.now()
      await embedder.embed([text], 'query')
      latencies.push(performance.now() - t0)
    }
  }))
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpu0)
  const modelCpu = (await childCpuMs()) - modelCpu0
  latencies.sort((a, b) => a - b)
  const q = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 10) / 10
  return {
    requests: texts.length,
    seconds: Math.round(seconds * 100) / 100,
    perS: Math.round(texts.length / seconds * 10) / 10,
    p50: q(0.5),
    p99: q(0.99),
    // This process and the model process together, per request.
    cpuMsPerRequest: Math.round(((cpu.user + cpu.system) / 1000 + modelCpu) / texts.length * 100) / 100
  }
}

/** CPU (user + system, ms) of the model process so far, from /proc. */
async function childCpuMs (): Promise<number> {
  const pid = model.pid
  if (!pid) return 0
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? []
  const ticks = Number(stat[11]) + Number(stat[12])
  return ticks * 10
}

const rng = Rng.of('query-batching')
const rows: Array<Record<string, string | number>> = []
const raw: Record<string, Run[]> = {}
for (const concurrency of [8, 32]) {
  for (let round = 0; round < ROUNDS; round++) {
    // Distinct texts each run (no cache effect), the same texts for both sides of a round.
    const texts = Array.from({ length: REQUESTS }, () => rng.pick(claims) + ` (${rng.int(1_000_000)})`)
    for (const [name, embedder] of [['one call per request', model], ['batched (QueryBatcher, no cache)', new QueryBatcher(model, { cacheEntries: 0 })]] as const) {
      const r = await run(embedder, texts, concurrency)
      ;(raw[`${concurrency}:${name}`] ??= []).push(r)
      log(`c=${concurrency} round ${round + 1} ${name}: ${r.perS}/s p50 ${r.p50} ms p99 ${r.p99} ms, ${r.cpuMsPerRequest} ms CPU/request`)
    }
  }
}
for (const concurrency of [8, 32]) {
  const base = raw[`${concurrency}:one call per request`] as Run[]
  const batched = raw[`${concurrency}:batched (QueryBatcher, no cache)`] as Run[]
  for (const [name, runs] of [['one call per request', base], ['batched (QueryBatcher, no cache)', batched]] as const) {
    const mean = (f: (r: Run) => number) => Math.round(runs.reduce((s, r) => s + f(r), 0) / runs.length * 10) / 10
    rows.push({
      concurrency,
      embedder: name,
      'req/s': mean((r) => r.perS),
      'req/s each run': runs.map((r) => r.perS).join(' / '),
      'x one call': Math.round(runs.reduce((s, r, i) => s + r.perS / (base[i] as Run).perS, 0) / runs.length * 100) / 100,
      'p50 ms': mean((r) => r.p50),
      'p99 ms': mean((r) => r.p99),
      'CPU ms/request': mean((r) => r.cpuMsPerRequest)
    })
  }
}

// The cache: texts repeated as a portal's users repeat searches (Zipf over 300 distinct texts).
const distinct = rng.sample(claims, 300)
const zipf = distinct.map((_, i) => 1 / (i + 1))
const total = zipf.reduce((a, b) => a + b, 0)
const pickZipf = () => {
  let x = rng.next() * total
  for (const [i, w] of zipf.entries()) { x -= w; if (x <= 0) return distinct[i] as string }
  return distinct[0] as string
}
const repeated = Array.from({ length: REQUESTS }, pickZipf)
const uncached = await run(new QueryBatcher(model, { cacheEntries: 0 }), repeated, 8)
const cacheOn = new QueryBatcher(model, { cacheEntries: 1000 })
const cached = await run(cacheOn, repeated, 8)
const cacheRows = [
  { concurrency: 8, embedder: 'batched, no cache (Zipf repeats)', 'req/s': uncached.perS, 'p50 ms': uncached.p50, 'p99 ms': uncached.p99, 'CPU ms/request': uncached.cpuMsPerRequest },
  { concurrency: 8, embedder: `batched + cache of 1,000 (hits ${Math.round(cacheOn.stats.cacheHits / REQUESTS * 100)}%)`, 'req/s': cached.perS, 'p50 ms': cached.p50, 'p99 ms': cached.p99, 'CPU ms/request': cached.cpuMsPerRequest }
]
// What batching does to a vector: the quantised model's activations depend on the batch a text is in.
const sample = rng.sample(claims, 64)
const aloneVectors = await Promise.all(sample.map(async (x) => (await model.embed([x], 'query'))[0] as Float32Array))
const batchVectors = await model.embed(sample, 'query')
const cosines = batchVectors.map((v, i) => v.reduce((s, x, j) => s + x * ((aloneVectors[i] as Float32Array)[j] as number), 0)).sort((a, b) => a - b)
const drift = { meanCosine: Math.round(cosines.reduce((a, b) => a + b, 0) / cosines.length * 10_000) / 10_000, minCosine: Math.round((cosines[0] ?? 0) * 10_000) / 10_000 }
log(`a claim embedded in a batch of 64 against alone: mean cosine ${drift.meanCosine}, min ${drift.minCosine}`)
await report('query-batching', [...rows, ...cacheRows], { model: MODEL, requestsPerRun: REQUESTS, rounds: ROUNDS, runs: raw, cache: { uncached, cached, hits: cacheOn.stats.cacheHits }, batchDrift: drift })
await model.close()
