// SciFact retrieval quality (BEIR SciFact, train split: 809 claims, 5,183 abstracts): BM25, kNN per
// model and their fusions (src/search/fusion.ts), measured on a real Elasticsearch node.
//
//   ES_PORT=9201 ES_DATA_DIR=/tmp/es-scifact node dev/elasticsearch/es.mjs start
//   npx tsx bench/scifact-eval.ts
//
// Environment: SCIFACT_ES_URL (default http://127.0.0.1:9201), SCIFACT_MODELS (comma-separated,
// default the three provisioned English models), SCIFACT_KEEP_INDEX=1 keeps the index afterwards,
// MODELS_DIR, SHARED_DATA_DIR, EMBEDDING_THREADS.
//
// Only the train split is public here, so parameters are tuned on a fixed half of the train queries
// ("tune", chosen by a hash of the query id) and reported on the other half ("held-out") as well as on
// all train queries. Corpus and query vectors are cached under .data/bench-cache/ (keyed by model and
// a fingerprint of the model file and the texts), so reruns skip the embedding.
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { Client } from '@elastic/elasticsearch'
import { modelSpec, type ModelSpec } from '../src/embedding/model-catalog.ts'
import { isProvisioned, modelFolder, QUANTIZED_ONNX } from '../src/embedding/maven-provisioner.ts'
import { loadModel } from '../src/embedding/load-model.ts'
import { TransformersEmbedder } from '../src/embedding/transformers-embedder.ts'
import { reciprocalRankFusion, weightedScoreFusion, type Normalisation, type ScoredId } from '../src/search/fusion.ts'
import { scifactCorpus, loadQueries, loadQrels, type SciFactDoc, type SciFactQuery as Query } from './lib/scifact.ts'
import { half, mean, ndcgAt, recallAt, stderr, type Qrels } from '../src/match/ranker/ir-metrics.ts'
import { report } from './lib/report.ts'

const ES_URL = process.env.SCIFACT_ES_URL ?? 'http://127.0.0.1:9201'
const MODEL_NAMES = (process.env.SCIFACT_MODELS ?? 'all-minilm-l6-v2,e5-small-v2,bge-small-en-v1.5').split(',').map((s) => s.trim()).filter(Boolean)
const MODELS_DIR = process.env.MODELS_DIR ?? 'models'
const THREADS = Number(process.env.EMBEDDING_THREADS ?? 0)
const CACHE_DIR = join('.data', 'bench-cache')
const KEEP_INDEX = process.env.SCIFACT_KEEP_INDEX === '1'

/** Depth of every retrieved list (BM25, kNN) and of Recall@K. */
const DEPTH = 100
/** kNN num_candidates of the reported kNN runs; the HNSW check also measures the smaller values. */
const NUM_CANDIDATES = 1000
const NUM_CANDIDATES_CHECK = [100, 200, NUM_CANDIDATES]
const HNSW = { type: 'hnsw', m: 16, ef_construction: 100 } as const
const EMBED_BATCH = 16
const RRF_K_GRID = [0, 1, 2, 5, 10, 20, 30, 45, 60, 80, 100, 150, 200]
const RRF_W_GRID = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
const ALPHA_GRID = Array.from({ length: 21 }, (_, i) => Math.round(i * 5) / 100)
/** Boosts of the kNN clause in Elasticsearch's own hybrid (query + knn in one search, scores summed). */
const ES_HYBRID_BOOST_GRID = [10, 30, 100, 200, 300, 500, 1000, 3000]

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`)
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits

const passageText = (d: SciFactDoc) => `${d.title} ${d.text}`

// ---------------------------------------------------------------------------------------------
// Embedding, cached on disk

/** `loadAvg`: the machine's 1-minute load average before and after (other processes share the cores). */
interface EmbedStats { model: string, docs: number, ms: number, perSecond: number, cached: boolean, batch: number, loadAvg?: [number, number] }

const sha256 = (...parts: Array<string | Buffer>) => {
  const h = createHash('sha256')
  for (const p of parts) { h.update(p); h.update('\u0000') }
  return h.digest('hex')
}

async function cachedVectors (file: string, fingerprint: string, count: number, dims: number): Promise<{ vectors: Float32Array, meta: Record<string, unknown> } | null> {
  try {
    const meta = JSON.parse(await readFile(`${file}.json`, 'utf8')) as Record<string, unknown>
    if (meta.fingerprint !== fingerprint || meta.count !== count || meta.dims !== dims) return null
    const buf = await readFile(`${file}.f32`)
    if (buf.byteLength !== count * dims * 4) return null
    const vectors = new Float32Array(count * dims)
    new Uint8Array(vectors.buffer).set(buf)
    return { vectors, meta }
  } catch {
    return null
  }
}

async function writeVectors (file: string, vectors: Float32Array, meta: Record<string, unknown>): Promise<void> {
  await mkdir(CACHE_DIR, { recursive: true })
  await writeFile(`${file}.f32.tmp`, Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength))
  await rename(`${file}.f32.tmp`, `${file}.f32`)
  await writeFile(`${file}.json`, JSON.stringify(meta, null, 2) + '\n')
}

/** Embeds texts in batches sorted by length (less padding); returns vectors in the input order, flat. */
async function embedAll (embedder: TransformersEmbedder, texts: readonly string[], role: 'query' | 'passage', dims: number, label: string): Promise<Float32Array> {
  const order = texts.map((_, i) => i).sort((a, b) => (texts[a] as string).length - (texts[b] as string).length || a - b)
  const out = new Float32Array(texts.length * dims)
  const started = performance.now()
  let lastLog = started
  for (let i = 0; i < order.length; i += EMBED_BATCH) {
    const idx = order.slice(i, i + EMBED_BATCH)
    const vectors = await embedder.embed(idx.map((j) => texts[j] as string), role)
    idx.forEach((j, b) => out.set(vectors[b] as Float32Array, j * dims))
    const now = performance.now()
    if (now - lastLog > 30_000) {
      lastLog = now
      const done = Math.min(i + EMBED_BATCH, order.length)
      log(`  ${label}: ${done}/${order.length} (${round(done / ((now - started) / 1000), 1)}/s)`)
    }
  }
  return out
}

interface ModelVectors { spec: ModelSpec, corpus: Float32Array, queries: Float32Array, stats: EmbedStats, queryStats: EmbedStats, tokens?: TokenStats }
interface TokenStats { mean: number, p50: number, p90: number, max: number, over256: number, over512: number }

async function vectorsFor (name: string, docs: readonly SciFactDoc[], queries: readonly Query[]): Promise<ModelVectors> {
  const spec = modelSpec(name)
  const folder = modelFolder(MODELS_DIR, spec)
  if (!await isProvisioned(folder)) throw new Error(`${name} is not provisioned in ${folder} (npm run models:provision)`)
  const modelHash = sha256(await readFile(join(folder, QUANTIZED_ONNX)), await readFile(join(folder, 'tokenizer.json')))
  const specKey = JSON.stringify([spec.hubId, spec.pooling, spec.queryPrefix, spec.passagePrefix, spec.maxTokens])
  const passages = docs.map(passageText)
  const corpusFp = sha256(modelHash, specKey, ...docs.map((d) => d._id), ...passages)
  const queryFp = sha256(modelHash, specKey, ...queries.map((q) => q.id + '\t' + q.text))
  const corpusFile = join(CACHE_DIR, `scifact-corpus-${spec.name}`)
  const queryFile = join(CACHE_DIR, `scifact-queries-train-${spec.name}`)
  const dims = spec.dimensions

  const cachedCorpus = await cachedVectors(corpusFile, corpusFp, docs.length, dims)
  const cachedQueries = await cachedVectors(queryFile, queryFp, queries.length, dims)
  if (cachedCorpus && cachedQueries) {
    log(`${name}: corpus and query vectors from the cache`)
    return {
      spec,
      corpus: cachedCorpus.vectors,
      queries: cachedQueries.vectors,
      stats: { ...(cachedCorpus.meta.stats as EmbedStats), cached: true },
      queryStats: { ...(cachedQueries.meta.stats as EmbedStats), cached: true },
      tokens: cachedCorpus.meta.tokens as TokenStats | undefined
    }
  }

  const embedder = new TransformersEmbedder()
  const model = await loadModel({ spec, modelsDir: MODELS_DIR, allowRemote: false, allowMaven: false, threads: THREADS, log })
  embedder.use(model)
  try {
    let corpus = cachedCorpus?.vectors
    let stats = cachedCorpus ? { ...(cachedCorpus.meta.stats as EmbedStats), cached: true } : undefined
    let tokens = cachedCorpus?.meta.tokens as TokenStats | undefined
    if (!corpus || !stats) {
      tokens = tokenStats(model.extractor.tokenizer, passages.map((p) => spec.passagePrefix + p))
      log(`${name}: embedding ${docs.length} passages (batch ${EMBED_BATCH}, sorted by length; tokens mean ${tokens.mean}, p90 ${tokens.p90}, max ${tokens.max}, ${tokens.over256} over 256, ${tokens.over512} over 512)`)
      await embedder.embed(['warm-up'], 'passage')
      const loadBefore = round(loadavg()[0] ?? 0, 2)
      const started = performance.now()
      corpus = await embedAll(embedder, passages, 'passage', dims, name)
      const ms = performance.now() - started
      stats = { model: name, docs: docs.length, ms: Math.round(ms), perSecond: round(docs.length / (ms / 1000), 1), cached: false, batch: EMBED_BATCH, loadAvg: [loadBefore, round(loadavg()[0] ?? 0, 2)] }
      log(`${name}: ${docs.length} passages in ${round(ms / 1000, 1)} s (${stats.perSecond}/s)`)
      await writeVectors(corpusFile, corpus, { model: name, hubId: spec.hubId, fingerprint: corpusFp, count: docs.length, dims, stats, tokens })
    }
    let qv = cachedQueries?.vectors
    let queryStats = cachedQueries ? { ...(cachedQueries.meta.stats as EmbedStats), cached: true } : undefined
    if (!qv || !queryStats) {
      const started = performance.now()
      qv = await embedAll(embedder, queries.map((q) => q.text), 'query', dims, `${name} queries`)
      const ms = performance.now() - started
      queryStats = { model: name, docs: queries.length, ms: Math.round(ms), perSecond: round(queries.length / (ms / 1000), 1), cached: false, batch: EMBED_BATCH }
      log(`${name}: ${queries.length} queries in ${round(ms / 1000, 1)} s`)
      await writeVectors(queryFile, qv, { model: name, hubId: spec.hubId, fingerprint: queryFp, count: queries.length, dims, stats: queryStats })
    }
    return { spec, corpus, queries: qv, stats, queryStats, ...(tokens ? { tokens } : {}) }
  } finally {
    await embedder.close()
  }
}

function tokenStats (tokenizer: { encode: (text: string) => number[] }, texts: readonly string[]): TokenStats {
  const lengths = texts.map((t) => tokenizer.encode(t).length).sort((a, b) => a - b)
  const at = (q: number) => lengths[Math.min(lengths.length - 1, Math.floor(q * lengths.length))] as number
  return {
    mean: Math.round(mean(lengths)),
    p50: at(0.5),
    p90: at(0.9),
    max: lengths[lengths.length - 1] ?? 0,
    over256: lengths.filter((l) => l > 256).length,
    over512: lengths.filter((l) => l > 512).length
  }
}

// ---------------------------------------------------------------------------------------------
// Elasticsearch

const vectorField = (spec: ModelSpec) => `vec_${spec.name.replace(/[^a-z0-9]+/gi, '_')}`

async function buildIndex (client: Client, index: string, docs: readonly SciFactDoc[], models: readonly ModelVectors[]) {
  const properties: Record<string, any> = {
    title: { type: 'text', analyzer: 'english', copy_to: 'all' },
    text: { type: 'text', analyzer: 'english', copy_to: 'all' },
    all: { type: 'text', analyzer: 'english' }
  }
  for (const m of models) {
    properties[vectorField(m.spec)] = { type: 'dense_vector', dims: m.spec.dimensions, index: true, similarity: 'cosine', index_options: HNSW }
  }
  await client.indices.create({
    index,
    settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' },
    mappings: { dynamic: 'strict', _source: { excludes: models.map((m) => vectorField(m.spec)) }, properties }
  })
  let started = performance.now()
  const chunk = 250
  for (let i = 0; i < docs.length; i += chunk) {
    const operations: object[] = []
    for (let j = i; j < Math.min(i + chunk, docs.length); j++) {
      const d = docs[j] as SciFactDoc
      const body: Record<string, unknown> = { title: d.title, text: d.text }
      for (const m of models) body[vectorField(m.spec)] = Array.from(m.corpus.subarray(j * m.spec.dimensions, (j + 1) * m.spec.dimensions))
      operations.push({ index: { _index: index, _id: d._id } }, body)
    }
    const res = await client.bulk({ operations })
    if (res.errors) {
      const first = res.items.find((it) => it.index?.error)
      throw new Error(`bulk indexing failed: ${JSON.stringify(first?.index?.error)}`)
    }
  }
  const bulkMs = performance.now() - started
  await client.indices.refresh({ index })
  started = performance.now()
  await client.indices.forcemerge({ index, max_num_segments: 1 })
  await client.indices.refresh({ index })
  const mergeMs = performance.now() - started
  const count = (await client.count({ index })).count
  if (count !== docs.length) throw new Error(`indexed ${count} documents, expected ${docs.length}`)
  return { bulkMs: Math.round(bulkMs), forcemergeMs: Math.round(mergeMs), count }
}

/** Runs one search body per query through _msearch; returns each query's hits, and ms per query. */
async function searchAll (client: Client, index: string, bodies: readonly object[]): Promise<{ lists: ScoredId[][], msPerQuery: number }> {
  const lists: ScoredId[][] = []
  const started = performance.now()
  const chunk = 50
  for (let i = 0; i < bodies.length; i += chunk) {
    const searches: object[] = []
    for (const body of bodies.slice(i, i + chunk)) searches.push({ index }, body)
    const res = await client.msearch({ searches: searches as any })
    for (const r of res.responses) {
      if ('error' in r) throw new Error(`search failed: ${JSON.stringify(r.error)}`)
      lists.push(r.hits.hits.map((h) => ({ id: h._id as string, score: h._score as number })))
    }
  }
  return { lists, msPerQuery: round((performance.now() - started) / bodies.length, 2) }
}

// BM25 query shapes compared (chosen on the tune half).
const BM25_SHAPES: Array<{ name: string, body: (q: string) => object }> = [
  { name: 'multi_match best_fields title^1 text, tie_breaker 0.5', body: (q) => ({ multi_match: { query: q, type: 'best_fields', fields: ['title', 'text'], tie_breaker: 0.5 } }) },
  { name: 'multi_match best_fields title^2 text, tie_breaker 0.5', body: (q) => ({ multi_match: { query: q, type: 'best_fields', fields: ['title^2', 'text'], tie_breaker: 0.5 } }) },
  { name: 'multi_match most_fields title^1 text', body: (q) => ({ multi_match: { query: q, type: 'most_fields', fields: ['title', 'text'] } }) },
  { name: 'multi_match most_fields title^0.5 text', body: (q) => ({ multi_match: { query: q, type: 'most_fields', fields: ['title^0.5', 'text'] } }) },
  { name: 'multi_match cross_fields title text', body: (q) => ({ multi_match: { query: q, type: 'cross_fields', fields: ['title', 'text'] } }) },
  { name: 'match all (title + text via copy_to)', body: (q) => ({ match: { all: { query: q } } }) }
]

// ---------------------------------------------------------------------------------------------
// Evaluation helpers

interface Split { all: number[], tune: number[], held: number[] }

interface Scores { ndcg: number[], recall: number[] }

function score (lists: ReadonlyArray<readonly { id: string }[]>, queries: readonly Query[], qrels: Qrels): Scores {
  const ndcg: number[] = []
  const recall: number[] = []
  lists.forEach((list, i) => {
    const rel = qrels.get((queries[i] as Query).id) ?? new Map()
    const ids = list.map((h) => h.id)
    ndcg.push(ndcgAt(ids, rel, 10))
    recall.push(recallAt(ids, rel, DEPTH))
  })
  return { ndcg, recall }
}

const pick = (xs: readonly number[], idx: readonly number[]) => idx.map((i) => xs[i] as number)

function row (model: string, method: string, params: string, tunedOn: string, s: Scores, split: Split): Record<string, string | number> {
  const held = pick(s.ndcg, split.held)
  return {
    model,
    method,
    params,
    'tuned on': tunedOn,
    'nDCG@10 all': round(mean(pick(s.ndcg, split.all))),
    'nDCG@10 tune': round(mean(pick(s.ndcg, split.tune))),
    'nDCG@10 held-out': round(mean(held)),
    '±SE held-out': round(stderr(held), 3),
    'R@100 all': round(mean(pick(s.recall, split.all))),
    'R@100 held-out': round(mean(pick(s.recall, split.held)))
  }
}

/** Paired difference a - b on the held-out half: mean and standard error. */
function paired (a: Scores, b: Scores, split: Split) {
  const d = split.held.map((i) => (a.ndcg[i] as number) - (b.ndcg[i] as number))
  return { delta: round(mean(d)), se: round(stderr(d)), better: d.filter((x) => x > 1e-12).length, worse: d.filter((x) => x < -1e-12).length, queries: d.length }
}

/** Exact cosine top-k by brute force (vectors are unit length: cosine = dot). Score as ES reports it: (1 + cos) / 2. */
function exactTopK (corpus: Float32Array, ids: readonly string[], query: Float32Array, dims: number, k: number): ScoredId[] {
  const n = ids.length
  const sims = new Float64Array(n)
  for (let d = 0; d < n; d++) {
    let s = 0
    const base = d * dims
    for (let j = 0; j < dims; j++) s += (corpus[base + j] as number) * (query[j] as number)
    sims[d] = s
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (sims[b] as number) - (sims[a] as number) || ((ids[a] as string) < (ids[b] as string) ? -1 : 1))
  return order.slice(0, k).map((i) => ({ id: ids[i] as string, score: (1 + (sims[i] as number)) / 2 }))
}

function overlap (a: readonly ScoredId[], b: readonly ScoredId[], k: number): number {
  const set = new Set(b.slice(0, k).map((h) => h.id))
  let n = 0
  for (const h of a.slice(0, k)) if (set.has(h.id)) n++
  return n / Math.min(k, Math.max(1, b.slice(0, k).length))
}

/** Grid search: the parameters with the best mean nDCG@10 on the tune half (first in grid order on ties). */
function tune<P> (grid: readonly P[], run: (p: P) => Scores, split: Split) {
  let best: { params: P, scores: Scores, tuneNdcg: number } | null = null
  const curve: Array<{ params: P, tune: number, heldOut: number }> = []
  for (const params of grid) {
    const scores = run(params)
    const tuneNdcg = mean(pick(scores.ndcg, split.tune))
    curve.push({ params, tune: round(tuneNdcg), heldOut: round(mean(pick(scores.ndcg, split.held))) })
    if (!best || tuneNdcg > best.tuneNdcg + 1e-12) best = { params, scores, tuneNdcg }
  }
  if (!best) throw new Error('empty grid')
  return { ...best, curve }
}

// ---------------------------------------------------------------------------------------------
// Main

const docs: SciFactDoc[] = []
for await (const d of scifactCorpus()) docs.push(d)
const allQueries = await loadQueries()
const qrels = await loadQrels()
const queries = allQueries.filter((q) => qrels.has(q.id))
const docIds = docs.map((d) => d._id)
const split: Split = { all: queries.map((_, i) => i), tune: [], held: [] }
queries.forEach((q, i) => (half(q.id) === 'tune' ? split.tune : split.held).push(i))
const judged = [...qrels.values()].reduce((a, m) => a + m.size, 0)
log(`SciFact train: ${docs.length} abstracts, ${allQueries.length} queries (${queries.length} with qrels, ${judged} judgements); tune ${split.tune.length}, held-out ${split.held.length}`)

// 1. Vectors, one model after another (cached).
const models: ModelVectors[] = []
for (const name of MODEL_NAMES) models.push(await vectorsFor(name, docs, queries))

// 2. One index for this run.
const client = new Client({ node: ES_URL })
const info = await client.info()
const index = `scifact-eval-${Date.now()}`
log(`Elasticsearch ${info.version.number} at ${ES_URL}: indexing into ${index}`)
const indexing = await buildIndex(client, index, docs, models)
log(`indexed ${indexing.count} documents: bulk ${indexing.bulkMs} ms, forcemerge to 1 segment ${indexing.forcemergeMs} ms`)

const rows: Array<Record<string, string | number>> = []
const extra: Record<string, any> = {
  description: 'SciFact (BEIR) train split: nDCG@10 and Recall@100 of BM25, kNN and fused rankings on a local Elasticsearch 9.5.3. Parameters tuned on the "tune" half of the train queries; "held-out" is the other half; "all" includes the tune half, so tuned rows are optimistic there.',
  elasticsearch: { url: ES_URL, version: info.version.number, index, ...indexing, hnsw: HNSW, numCandidates: NUM_CANDIDATES, depth: DEPTH },
  data: { corpus: docs.length, queries: queries.length, judgements: judged, tune: split.tune.length, heldOut: split.held.length, split: 'FNV-1a(query id) even = tune, odd = held-out' },
  anchors: {
    note: 'Published BEIR/MTEB nDCG@10 on the SciFact TEST split (300 queries); our numbers are on the train split (809 queries) with quantized ONNX models, so they are not directly comparable.',
    test: { bm25: 0.665, 'e5-small-v2': 0.689, 'bge-small-en-v1.5': 0.713 }
  },
  embedding: {},
  loadAvgAtStart: loadavg().map((x) => round(x, 2)),
  bm25Shapes: [],
  hnswCheck: {},
  tuning: {},
  pairedHeldOut: {}
}

try {
  // 3. BM25: compare query shapes on the tune half, keep the best.
  let bm25Best: { name: string, scores: Scores, lists: ScoredId[][], tune: number, query: (q: string) => object } | null = null
  for (const shape of BM25_SHAPES) {
    const { lists, msPerQuery } = await searchAll(client, index, queries.map((q) => ({ query: shape.body(q.text), size: DEPTH, _source: false })))
    const s = score(lists, queries, qrels)
    const tuneNdcg = mean(pick(s.ndcg, split.tune))
    extra.bm25Shapes.push({ shape: shape.name, ndcgTune: round(tuneNdcg), ndcgHeldOut: round(mean(pick(s.ndcg, split.held))), ndcgAll: round(mean(s.ndcg)), recallAll: round(mean(s.recall)), msPerQuery })
    log(`BM25 ${shape.name}: nDCG@10 tune ${round(tuneNdcg)}, all ${round(mean(s.ndcg))}`)
    if (!bm25Best || tuneNdcg > bm25Best.tune + 1e-12) bm25Best = { name: shape.name, scores: s, lists, tune: tuneNdcg, query: shape.body }
  }
  if (!bm25Best) throw new Error('no BM25 shape')
  const bm25 = bm25Best
  rows.push(row('-', 'BM25', bm25.name, 'tune (query shape)', bm25.scores, split))
  extra.bm25Chosen = { shape: bm25.name, query: bm25.query('<claim>') }

  const fusionLists: Array<{ model: string, knn: ScoredId[][] }> = []
  for (const m of models) {
    const name = m.spec.name
    const dims = m.spec.dimensions
    extra.embedding[name] = { corpus: m.stats, queries: m.queryStats, tokens: m.tokens }
    const field = vectorField(m.spec)
    const qvec = (i: number) => Array.from(m.queries.subarray(i * dims, (i + 1) * dims))

    // 4. kNN through HNSW, and the exact top-100 by brute force for comparison.
    let started = performance.now()
    const exact = queries.map((_, i) => exactTopK(m.corpus, docIds, m.queries.subarray(i * dims, (i + 1) * dims), dims, DEPTH))
    const exactMs = round((performance.now() - started) / queries.length, 2)
    const check: Record<string, unknown> = { exactMsPerQuery: exactMs }
    let knn: ScoredId[][] = []
    for (const nc of NUM_CANDIDATES_CHECK) {
      const res = await searchAll(client, index, queries.map((_, i) => ({ knn: { field, query_vector: qvec(i), k: DEPTH, num_candidates: nc }, size: DEPTH, _source: false })))
      const r100 = mean(res.lists.map((l, i) => overlap(l, exact[i] as ScoredId[], DEPTH)))
      const r10 = mean(res.lists.map((l, i) => overlap(l, exact[i] as ScoredId[], 10)))
      const s = score(res.lists, queries, qrels)
      check[`num_candidates ${nc}`] = { recallVsExact100: round(r100), recallVsExact10: round(r10), ndcgAll: round(mean(s.ndcg)), msPerQuery: res.msPerQuery }
      log(`${name} kNN num_candidates ${nc}: overlap with exact top-100 ${round(r100)}, top-10 ${round(r10)}, nDCG@10 all ${round(mean(s.ndcg))}, ${res.msPerQuery} ms/query`)
      if (nc === NUM_CANDIDATES) knn = res.lists
    }
    // Score agreement: ES's (1 + cos) / 2 against ours, on the top hit of every query.
    let maxScoreDiff = 0
    knn.forEach((l, i) => {
      const top = l[0]
      const ex = (exact[i] as ScoredId[]).find((h) => h.id === top?.id)
      if (top && ex) maxScoreDiff = Math.max(maxScoreDiff, Math.abs(top.score - ex.score))
    })
    check.maxTopScoreDiff = maxScoreDiff
    extra.hnswCheck[name] = check
    const knnScores = score(knn, queries, qrels)
    const exactScores = score(exact, queries, qrels)
    rows.push(row(name, 'kNN (HNSW)', `k ${DEPTH}, num_candidates ${NUM_CANDIDATES}`, '-', knnScores, split))
    rows.push(row(name, 'kNN exact (JS brute force)', `top ${DEPTH} cosine`, '-', exactScores, split))
    fusionLists.push({ model: name, knn })

    // 5. Fusions of BM25 top-100 and kNN top-100.
    const pairs = queries.map((_, i) => [bm25.lists[i] as ScoredId[], knn[i] as ScoredId[]])
    const rrf60 = score(pairs.map((p) => reciprocalRankFusion(p, { limit: DEPTH })), queries, qrels)
    rows.push(row(name, 'RRF', 'k 60, weights 1:1', '-', rrf60, split))

    started = performance.now()
    const rrfGrid = RRF_K_GRID.flatMap((k) => RRF_W_GRID.map((w) => ({ k, w })))
    const rrfTuned = tune(rrfGrid, ({ k, w }) => score(pairs.map((p) => reciprocalRankFusion(p, { k, weights: [round(1 - w, 2), w], limit: DEPTH })), queries, qrels), split)
    rows.push(row(name, 'RRF tuned', `k ${rrfTuned.params.k}, weights bm25 ${round(1 - rrfTuned.params.w, 2)} : knn ${rrfTuned.params.w}`, 'tune', rrfTuned.scores, split))

    const weighted: Record<string, ReturnType<typeof tune<number>>> = {}
    for (const normalisation of ['min-max', 'z-score'] as Normalisation[]) {
      const t = tune(ALPHA_GRID, (alpha) => score(pairs.map((p) => weightedScoreFusion(p, { normalisation, weights: [round(1 - alpha, 2), alpha], limit: DEPTH })), queries, qrels), split)
      weighted[normalisation] = t
      rows.push(row(name, `weighted ${normalisation}`, `weights bm25 ${round(1 - t.params, 2)} : knn ${t.params}`, 'tune', t.scores, split))
    }
    // Untuned reference: z-score with equal weights.
    const zEqual = score(pairs.map((p) => weightedScoreFusion(p, { normalisation: 'z-score', weights: [0.5, 0.5], limit: DEPTH })), queries, qrels)
    rows.push(row(name, 'weighted z-score', 'weights bm25 0.5 : knn 0.5 (fixed)', '-', zEqual, split))
    log(`${name}: fusion grids in ${round((performance.now() - started) / 1000, 1)} s`)

    // Elasticsearch's own hybrid for comparison: the chosen BM25 query plus a top-level knn clause in one
    // search; ES adds BM25 score and boost × (1 + cos) / 2. Only the boost is tuned (on the tune half).
    const hybridCurve: Array<{ knnBoost: number, tune: number, heldOut: number }> = []
    let hybrid: { boost: number, scores: Scores, tune: number } | null = null
    for (const boost of ES_HYBRID_BOOST_GRID) {
      const res = await searchAll(client, index, queries.map((q, i) => ({
        query: bm25.query(q.text),
        knn: { field, query_vector: qvec(i), k: DEPTH, num_candidates: NUM_CANDIDATES, boost },
        size: DEPTH,
        _source: false
      })))
      const s = score(res.lists, queries, qrels)
      const tuneNdcg = mean(pick(s.ndcg, split.tune))
      hybridCurve.push({ knnBoost: boost, tune: round(tuneNdcg), heldOut: round(mean(pick(s.ndcg, split.held))) })
      if (!hybrid || tuneNdcg > hybrid.tune + 1e-12) hybrid = { boost, scores: s, tune: tuneNdcg }
    }
    if (hybrid) rows.push(row(name, 'ES hybrid (query + knn, summed)', `knn boost ${hybrid.boost}, query boost 1`, 'tune', hybrid.scores, split))
    const mm = weighted['min-max'] as ReturnType<typeof tune<number>>
    const z = weighted['z-score'] as ReturnType<typeof tune<number>>
    extra.tuning[name] = {
      rrf: { chosen: rrfTuned.params, curve: rrfTuned.curve },
      'es hybrid': { chosenKnnBoost: hybrid?.boost, curve: hybridCurve },
      'weighted min-max': { chosenKnnWeight: mm.params, curve: mm.curve.map((c) => ({ knnWeight: c.params, tune: c.tune, heldOut: c.heldOut })) },
      'weighted z-score': { chosenKnnWeight: z.params, curve: z.curve.map((c) => ({ knnWeight: c.params, tune: c.tune, heldOut: c.heldOut })) }
    }
    extra.pairedHeldOut[name] = {
      'kNN - BM25': paired(knnScores, bm25.scores, split),
      'RRF k60 - kNN': paired(rrf60, knnScores, split),
      'RRF tuned - kNN': paired(rrfTuned.scores, knnScores, split),
      'weighted min-max - kNN': paired(mm.scores, knnScores, split),
      'weighted z-score - kNN': paired(z.scores, knnScores, split),
      'weighted min-max - RRF k60': paired(mm.scores, rrf60, split),
      'weighted z-score - RRF k60': paired(z.scores, rrf60, split),
      'weighted z-score 1:1 - kNN': paired(zEqual, knnScores, split),
      'weighted z-score 1:1 - RRF k60': paired(zEqual, rrf60, split),
      ...(hybrid ? { 'ES hybrid - weighted z-score': paired(hybrid.scores, z.scores, split) } : {})
    }
  }

  // 6. For reference: RRF over BM25 and every model's kNN list (would need all models at query time).
  if (fusionLists.length > 1) {
    const all = score(queries.map((_, i) => reciprocalRankFusion([bm25.lists[i] as ScoredId[], ...fusionLists.map((f) => f.knn[i] as ScoredId[])], { limit: DEPTH })), queries, qrels)
    rows.push(row(fusionLists.map((f) => f.model).join(' + '), 'RRF, BM25 + every kNN', 'k 60, weights 1', '-', all, split))
  }

  extra.queryShapes = {
    bm25: { query: bm25.query('<claim>'), size: DEPTH, _source: false },
    knn: { knn: { field: '<vec_model>', query_vector: '<384 floats>', k: DEPTH, num_candidates: NUM_CANDIDATES }, size: DEPTH, _source: false },
    esHybrid: { query: bm25.query('<claim>'), knn: { field: '<vec_model>', query_vector: '<384 floats>', k: DEPTH, num_candidates: NUM_CANDIDATES, boost: '<tuned>' }, size: DEPTH, _source: false },
    transport: '_msearch, 50 searches per request; fusion in the client (src/search/fusion.ts)'
  }
  console.log('\nPaired held-out nDCG@10 differences (mean, SE, queries better/worse):')
  for (const [name, d] of Object.entries(extra.pairedHeldOut as Record<string, Record<string, ReturnType<typeof paired>>>)) {
    for (const [what, p] of Object.entries(d)) console.log(`  ${name} ${what}: ${p.delta >= 0 ? '+' : ''}${p.delta} ± ${p.se} (${p.better}/${p.worse} of ${p.queries})`)
  }
  console.log('\nEmbedding (corpus):')
  for (const m of models) console.log(`  ${m.spec.name}: ${m.stats.docs} passages in ${round(m.stats.ms / 1000, 1)} s, ${m.stats.perSecond}/s${m.stats.cached ? ' (measured on the run that filled the cache)' : ''}`)
  extra.loadAvgAtEnd = loadavg().map((x) => round(x, 2))
  await report('scifact-eval', rows, extra)
} finally {
  if (!KEEP_INDEX) await client.indices.delete({ index, ignore_unavailable: true })
  await client.close()
}
