// Search relevance through the product: BEIR SciFact (5,183 abstracts, 809 judged train claims)
// imported with POST /v1/bulk as `content` records, indexed by the service's own pipeline, and
// queried with GET /v1/search?kinds=content&limit=100, in process through app.inject, on both index
// backends (embedded; Elasticsearch) and with each model (none: lexical only; all-minilm-l6-v2;
// bge-small-en-v1.5). Beside them, on the same Elasticsearch node and the same queries, the standard
// BM25 shapes (k1 1.2, b 0.75, English analysis): BEIR's multi_match over title and text
// (best_fields, tie_breaker 0.5), and title and text as one field.
//
//   npm run es:start            # for the Elasticsearch backend and the BM25 baselines
//   npm run bench:quality
//
// Environment: BENCH_BACKENDS (default embedded,elasticsearch), BENCH_QUERY_CONCURRENCY (requests in
// flight, default 1; more lets the service embed concurrent query texts together), BENCH_MODELS (default
// none,all-minilm-l6-v2,bge-small-en-v1.5), ELASTICSEARCH_URL (default http://127.0.0.1:9200),
// MODELS_DIR, SHARED_DATA_DIR, BENCH_QUALITY_DIR (the store kept between runs, default
// .data/bench-quality: records are cleared at each run, stored vectors are kept so that a rerun
// embeds nothing). Queries are split by a hash of their id: parameters are chosen on "tune", and
// "held-out" is what is reported; never tune on it.
import { mkdir, mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { Client } from '@elastic/elasticsearch'
import { sql } from 'kysely'
import { loadConfig } from '../config/load.ts'
import { buildServer } from '../src/build.ts'
import { createStore } from '../src/store/create-store.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import type { Database } from '../src/store/schema.ts'
import { scifactCorpus, loadQueries, loadQrels, type SciFactDoc } from './lib/scifact.ts'
import { half, mean, ndcgAt, recallAt, reciprocalRankAt, stderr, type Qrels } from '../src/match/ranker/ir-metrics.ts'
import { report } from './lib/report.ts'

const BACKENDS = (process.env.BENCH_BACKENDS ?? 'embedded,elasticsearch').split(',').map((s) => s.trim()).filter(Boolean)
const MODELS = (process.env.BENCH_MODELS ?? 'none,all-minilm-l6-v2,bge-small-en-v1.5').split(',').map((s) => s.trim()).filter(Boolean)
const ES_URL = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const STORE_DIR = process.env.BENCH_QUALITY_DIR ?? join('.data', 'bench-quality')
const PREFIX = 'bench-quality-'
const DEPTH = 100
/** Search requests in flight at once (BENCH_QUERY_CONCURRENCY, default 1). */
const QUERY_CONCURRENCY = Number(process.env.BENCH_QUERY_CONCURRENCY ?? 1)

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`)
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits

/** Per-query metrics of one ranking run, in the order of `queries`. */
interface Scores { ndcg10: number[], recall10: number[], recall100: number[], mrr: number[] }

function score (rankings: readonly string[][], queries: readonly Judged[]): Scores {
  const s: Scores = { ndcg10: [], recall10: [], recall100: [], mrr: [] }
  rankings.forEach((ids, i) => {
    const rel = (queries[i] as Judged).relevant
    s.ndcg10.push(ndcgAt(ids, rel, 10))
    s.recall10.push(recallAt(ids, rel, 10))
    s.recall100.push(recallAt(ids, rel, DEPTH))
    s.mrr.push(reciprocalRankAt(ids, rel, DEPTH))
  })
  return s
}

interface Judged { id: string, text: string, relevant: Map<string, number>, split: 'tune' | 'held-out' }

const pick = (xs: readonly number[], idx: readonly number[]) => idx.map((i) => xs[i] as number)

// ---------------------------------------------------------------------------------------------
// The product: bulk import, pipeline, /v1/search

async function clearStore (): Promise<void> {
  await mkdir(STORE_DIR, { recursive: true })
  const store = await createStore<Database>({ dataDir: STORE_DIR })
  await migrateToLatest(store.db)
  // Records go; stored vectors stay, so a rerun embeds nothing it embedded before.
  await sql`delete from records`.execute(store.db)
  await sql`delete from outbox`.execute(store.db)
  await store.close()
}

async function productRun (backend: string, model: string, docs: readonly SciFactDoc[], queries: readonly Judged[]): Promise<{ rankings: string[][], indexMs: number, queryMs: number, semantic: boolean }> {
  await clearStore()
  if (backend === 'elasticsearch') {
    const es = new Client({ node: ES_URL })
    await es.indices.delete({ index: `${PREFIX}*`, expand_wildcards: 'all' }).catch(() => {})
    await es.close()
  }
  const noModels = await mkdtemp(join(tmpdir(), 'no-models-'))
  const app = await buildServer({
    config: loadConfig({
      DATA_DIR: STORE_DIR,
      MODELS_DIR: model === 'none' ? noModels : (process.env.MODELS_DIR ?? 'models'),
      ...(model === 'none' ? {} : { EMBEDDING_MODEL: model }),
      EMBEDDING_ALLOW_REMOTE: 'false',
      EMBEDDING_ALLOW_MAVEN: 'false',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      // One client sends every query: the per-client bound on free-text requests in flight is lifted.
      FREE_TEXT_CONCURRENCY: '100000',
      ...(backend === 'elasticsearch' ? { ELASTICSEARCH_URL: ES_URL, INDEX_PREFIX: PREFIX } : {})
    })
  })
  try {
    await app.parts.modelReady
    if ((model === 'none') === app.parts.embedder.available) throw new Error(`model ${model}: embedder available = ${app.parts.embedder.available}`)
    const started = performance.now()
    // Two requests: the whole corpus as NDJSON is close to the body limit.
    for (const part of [docs.slice(0, 2600), docs.slice(2600)]) {
      const payload = part.map((d) => JSON.stringify({ op: 'upsert', kind: 'content', id: d._id, record: { type: 'news', title: d.title, text: d.text } })).join('\n') + '\n'
      const res = await app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson' } })
      const summary = res.json()
      if (res.statusCode !== 200 || summary.failed > 0) throw new Error(`bulk import: ${res.statusCode} ${JSON.stringify(summary).slice(0, 500)}`)
    }
    let lastLog = 0
    for (;;) {
      const status = (await app.inject({ method: 'GET', url: '/v1/status' })).json()
      const content = status.kinds.find((k: { kind: string }) => k.kind === 'content')
      if (content.inSync && content.documents === docs.length) break
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now()
        log(`  ${backend}/${model}: ${content.documents ?? 0} of ${docs.length} indexed, ${content.pendingOutbox} pending`)
      }
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    const indexMs = performance.now() - started
    const queryStarted = performance.now()
    const rankings: string[][] = new Array(queries.length)
    // QUERY_CONCURRENCY requests in flight, as a portal's users send them: with more than one, the
    // query texts that arrive while the model runs are embedded together (embedding/query-batcher.ts).
    let next = 0
    await Promise.all(Array.from({ length: QUERY_CONCURRENCY }, async () => {
      for (let i = next++; i < queries.length; i = next++) {
        const q = queries[i] as Judged
        const res = await app.inject({ method: 'GET', url: `/v1/search?kinds=content&limit=${DEPTH}&q=${encodeURIComponent(q.text)}` })
        if (res.statusCode !== 200) throw new Error(`search ${q.id}: ${res.statusCode} ${res.body.slice(0, 300)}`)
        rankings[i] = (res.json().results as Array<{ id: string }>).map((r) => r.id)
      }
    }))
    return { rankings, indexMs, queryMs: performance.now() - queryStarted, semantic: app.parts.embedder.available }
  } finally {
    await app.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Standard BM25 on Elasticsearch, side by side

async function bm25Baselines (docs: readonly SciFactDoc[], queries: readonly Judged[]): Promise<Record<string, string[][]> | null> {
  const es = new Client({ node: ES_URL, requestTimeout: 120_000 })
  try {
    await es.ping()
  } catch {
    log(`no Elasticsearch at ${ES_URL}: BM25 baselines skipped`)
    return null
  }
  const index = `${PREFIX}bm25-baseline`
  await es.indices.delete({ index }).catch(() => {})
  await es.indices.create({
    index,
    settings: { number_of_shards: 1, number_of_replicas: 0 },
    mappings: { properties: { title: { type: 'text', analyzer: 'english' }, text: { type: 'text', analyzer: 'english' }, body: { type: 'text', analyzer: 'english' } } }
  })
  for (let i = 0; i < docs.length; i += 1000) {
    const operations = docs.slice(i, i + 1000).flatMap((d) => [{ index: { _index: index, _id: d._id } }, { title: d.title, text: d.text, body: `${d.title} ${d.text}` }])
    const res = await es.bulk({ operations, refresh: false })
    if (res.errors) throw new Error('baseline bulk failed')
  }
  await es.indices.refresh({ index })
  const shapes: Record<string, (q: string) => object> = {
    'BM25 multi_match title,text (BEIR)': (q) => ({ multi_match: { query: q, type: 'best_fields', fields: ['title', 'text'], tie_breaker: 0.5 } }),
    'BM25 one field title+text': (q) => ({ match: { body: q } })
  }
  const out: Record<string, string[][]> = {}
  for (const [name, shape] of Object.entries(shapes)) {
    out[name] = []
    for (const q of queries) {
      const res = await es.search({ index, query: shape(q.text), size: DEPTH, _source: false })
      out[name].push(res.hits.hits.map((h) => h._id as string))
    }
  }
  await es.indices.delete({ index }).catch(() => {})
  await es.close()
  return out
}

// ---------------------------------------------------------------------------------------------

const docs: SciFactDoc[] = []
for await (const d of scifactCorpus()) docs.push(d)
const qrels: Qrels = await loadQrels()
const queries: Judged[] = (await loadQueries())
  .filter((q) => qrels.has(q.id))
  .map((q) => ({ ...q, relevant: qrels.get(q.id) as Map<string, number>, split: half(q.id) }))
const tune = queries.flatMap((q, i) => q.split === 'tune' ? [i] : [])
const held = queries.flatMap((q, i) => q.split === 'held-out' ? [i] : [])
log(`SciFact train: ${docs.length} abstracts, ${queries.length} judged claims (tune ${tune.length}, held-out ${held.length})`)

const runs: Array<{ name: string, backend: string, model: string, scores: Scores, extra: Record<string, number> }> = []
const baselines = await bm25Baselines(docs, queries)
for (const [name, rankings] of Object.entries(baselines ?? {})) runs.push({ name, backend: 'elasticsearch (bare)', model: 'none', scores: score(rankings, queries), extra: {} })

for (const backend of BACKENDS) {
  for (const model of MODELS) {
    log(`${backend} / ${model}: importing through POST /v1/bulk, indexing, querying through GET /v1/search`)
    const r = await productRun(backend, model, docs, queries)
    log(`  indexed in ${Math.round(r.indexMs / 1000)} s, ${queries.length} queries in ${Math.round(r.queryMs / 1000)} s`)
    runs.push({
      name: `product /v1/search (${model === 'none' ? 'lexical' : 'hybrid'})`,
      backend,
      model,
      scores: score(r.rankings, queries),
      extra: { indexSeconds: Math.round(r.indexMs / 1000), queriesPerSecond: round(queries.length / (r.queryMs / 1000), 1) }
    })
  }
}

/** Paired difference a - b of nDCG@10 on the held-out half: mean ± standard error. */
const paired = (a: Scores, b: Scores) => {
  const d = held.map((i) => (a.ndcg10[i] as number) - (b.ndcg10[i] as number))
  return `${round(mean(d), 3) >= 0 ? '+' : ''}${round(mean(d), 3)} ± ${round(stderr(d), 3)}`
}
const reference = runs.find((r) => r.name.startsWith('BM25 multi_match')) ?? null
const rows = runs.map((r) => ({
  run: r.name,
  backend: r.backend,
  model: r.model,
  'nDCG@10 tune': round(mean(pick(r.scores.ndcg10, tune))),
  'nDCG@10 held-out': round(mean(pick(r.scores.ndcg10, held))),
  '±SE': round(stderr(pick(r.scores.ndcg10, held)), 3),
  'R@10 held-out': round(mean(pick(r.scores.recall10, held))),
  'R@100 held-out': round(mean(pick(r.scores.recall100, held))),
  'MRR held-out': round(mean(pick(r.scores.mrr, held))),
  'Δ nDCG@10 vs BM25 (held-out, paired)': reference && r !== reference ? paired(r.scores, reference.scores) : ''
}))
// Lexical against hybrid, per backend and model: what the model adds.
const pairs: Record<string, string> = {}
for (const backend of BACKENDS) {
  const lexical = runs.find((r) => r.backend === backend && r.model === 'none')
  for (const r of runs.filter((x) => x.backend === backend && x.model !== 'none')) {
    if (lexical) pairs[`${backend}: ${r.model} hybrid - lexical`] = paired(r.scores, lexical.scores)
  }
}
const embedded = runs.filter((r) => r.backend === 'embedded')
for (const r of embedded) {
  const twin = runs.find((x) => x.backend === 'elasticsearch' && x.model === r.model)
  if (twin) pairs[`${r.model}: embedded - elasticsearch`] = paired(r.scores, twin.scores)
}
await report(`quality${QUERY_CONCURRENCY > 1 ? `-concurrency-${QUERY_CONCURRENCY}` : ''}`, rows, {
  queryConcurrency: QUERY_CONCURRENCY,
  description: 'SciFact (BEIR) train claims through the product: POST /v1/bulk as content records, the pipeline, GET /v1/search?kinds=content&limit=100, per backend and model; beside them, standard BM25 on the same Elasticsearch node. Tuned on "tune", reported on "held-out" (FNV-1a of the query id, even = tune).',
  data: { corpus: docs.length, queries: queries.length, tune: tune.length, heldOut: held.length },
  anchors: { note: 'Published BEIR/MTEB nDCG@10 on the SciFact TEST split (300 queries), not directly comparable with the train split here.', bm25: 0.665, 'bge-small-en-v1.5': 0.713, 'all-MiniLM-L6-v2': 0.645 },
  pairedHeldOut: pairs,
  runs: runs.map((r) => ({ name: r.name, backend: r.backend, model: r.model, ...r.extra }))
})
console.table(Object.entries(pairs).map(([pair, delta]) => ({ 'paired Δ nDCG@10, held-out': pair, delta })))
