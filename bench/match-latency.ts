// Latency and throughput of the match endpoints (profile-based and free-text partner matching,
// recommendations for a person) at concurrency 1, 8 and 32, side by side with the bare search-index
// queries the service issues for the same requests.
//
// Elasticsearch: 100k organisations, 100k people, 200k proposals (+ projects for the collaboration
// graph, communities, content) from the fixture generator, in Postgres and Elasticsearch. Their
// vectors are SYNTHESISED (clustered, normalised; bench/lib/synthetic-vectors.ts), not embedded:
// embedding 400k records would take hours here. Free-text queries are embedded by the real model.
// Embedded: 40k records in the embedded default (PGlite + the in-process index).
//
// The bare baseline: each request's retrievals are captured by running the same matcher code in this
// script over the same data, then replayed as they go to the index: the multi-search bodies sent to
// Elasticsearch with the same client, or `retrieve()` calls on an embedded index holding the same
// documents. The service side is the HTTP API of a server process (`src/server.ts`).
//
// Usage: npm run bench:latency   (env: BENCH_BACKEND=both|elasticsearch|embedded, BENCH_REQUESTS=300,
// BENCH_RELOAD=1 to rebuild the Elasticsearch corpus, BENCH_SERVER_PROFILE=<dir> for a CPU profile of
// the server, BENCH_SERVER_NODE_FLAGS for more node flags on the server alone,
// BENCH_ENDPOINTS=profile,recommendations to measure only the endpoints whose names
// contain one of these words, BENCH_CONCURRENCY=1,8,32, BENCH_ROUNDS=2 alternated bare/service
// rounds per concurrency, BENCH_VARIANT="RECORD_CACHE_SIZE=0 ..." to run a second server with these
// settings side by side (its passes alternate with the first server's), BENCH_VARIANT_DIR=<checkout>
// to run that second server from another checkout (a `git worktree` of the previous commit, with
// node_modules and models linked in: code versions side by side; the served top 10 of every captured
// request are compared between the two servers first), TEST_ELASTICSEARCH_URL,
// TEST_DATABASE_URL)
//
// Besides latency, each row gives what the service itself costs: CPU per request of the API process
// (user + system from /proc over the service passes, divided by their requests), of the model process
// (free text), and of Elasticsearch during the bare and the service passes; the mean of each phase
// the routes mark in their Server-Timing header; and the service's throughput as a share of the bare
// queries' throughput in the same round.
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { Agent, request } from 'undici'
import { sql, type Kysely } from 'kysely'
import { createStore } from '../src/store/create-store.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import type { Database } from '../src/store/schema.ts'
import type { SearchIndex } from '../src/ports/search-index.ts'
import type { RetrievalQuery } from '../src/ports/retrieval.ts'
import { ElasticsearchIndex } from '../src/search/elasticsearch/elasticsearch-index.ts'
import { EmbeddedIndex } from '../src/search/embedded/embedded-index.ts'
import { KINDS } from '../src/domain/kinds.ts'
import { RecordRepository } from '../src/records/record-repository.ts'
import { VectorCache } from '../src/records/vector-cache.ts'
import { PartnerMatcher } from '../src/match/partner-matcher.ts'
import { CollaborationGraph } from '../src/match/collaboration-graph.ts'
import { Recommender, type OpportunityKind } from '../src/match/recommender.ts'
import { seekerFromRecord, seekerFromText } from '../src/match/seeker.ts'
import { DEFAULT_RECOMMENDATION_WEIGHTS, parseWeights } from '../src/match/features.ts'
import { TransformersEmbedder } from '../src/embedding/transformers-embedder.ts'
import { loadModel } from '../src/embedding/load-model.ts'
import { modelSpec } from '../src/embedding/model-catalog.ts'
import { Rng } from '../fixtures/lib/prng.ts'
import { SyntheticVectors } from './lib/synthetic-vectors.ts'
import { corpus, loadCorpus, type CorpusSize } from './lib/latency-corpus.ts'
import { runPass, type PassResult } from './lib/load-runner.ts'
import { spawnServer } from './lib/server-process.ts'
import { POSTGRES } from './lib/database.ts'
import { report } from './lib/report.ts'
import { cpuMeter, pidsMatching } from './lib/process-cpu.ts'
import { MAPPING_VERSION } from '../indexers/definitions.ts'

const BACKEND = process.env.BENCH_BACKEND ?? 'both'
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300)
const ES = process.env.TEST_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const MODEL = process.env.EMBEDDING_MODEL ?? 'bge-small-en-v1.5'
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map(Number)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
/** BENCH_VARIANT: settings of a second server measured beside the first ("" = none). */
const VARIANT: Record<string, string> = Object.fromEntries((process.env.BENCH_VARIANT ?? '').split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
/** BENCH_VARIANT_DIR: the second server runs from this checkout (a git worktree of an earlier commit), with BENCH_VARIANT's settings if any. */
const VARIANT_DIR = process.env.BENCH_VARIANT_DIR ?? '.'
const HAS_VARIANT = Object.keys(VARIANT).length > 0 || VARIANT_DIR !== '.'
interface Server { port: number, pid: number, stop: () => Promise<void> }
/** The Elasticsearch server's vector memory: the 400k-record corpus has about 1.2M facet vectors (1.5 KB each). */
const VECTOR_CACHE_MB = process.env.BENCH_VECTOR_CACHE_MB ?? '1024'
const PREFIX = 'bench-latency-'
const ES_DB = 'engine_bench_latency'
/** Fraction of the sizes below (a quick trial: BENCH_SCALE=0.02). */
const SCALE = Number(process.env.BENCH_SCALE ?? 1)
const scaled = (size: CorpusSize): CorpusSize => Object.fromEntries(Object.entries(size).map(([k, n]) => [k, Math.max(1, Math.round(n * SCALE))])) as CorpusSize
const ES_SIZE = scaled({ organizations: 100_000, people: 100_000, proposals: 200_000, projects: 60_000, communities: 200, content: 20_000 })
const EMBEDDED_SIZE = scaled({ organizations: 10_000, people: 12_000, proposals: 9_000, projects: 6_000, communities: 100, content: 2_900 })
const log = (m: string) => console.error(`[latency] ${m}`)

type Endpoint = 'partners: profile' | 'partners: free text' | 'recommendations'
/** BENCH_ENDPOINTS=profile,recommendations: the endpoints measured (all by default); only their requests are captured. */
const WANTED = (process.env.BENCH_ENDPOINTS ?? '').split(',').map((w) => w.trim()).filter(Boolean)
const isWanted = (e: Endpoint) => WANTED.length === 0 || WANTED.some((w) => e.includes(w))
interface Request { endpoint: Endpoint, method: 'GET' | 'POST', path: string, body?: unknown }
/** A request and its round trips to the index, each a group of retrievals sent together. */
interface Captured { request: Request, retrievals: RetrievalQuery[][] }

log('loading the model')
const embedder = new TransformersEmbedder()
embedder.use(await loadModel({ spec: modelSpec(MODEL), modelsDir: process.env.MODELS_DIR ?? 'models', allowRemote: false, allowMaven: false, threads: 0, log }))

/** Seeded requests of each endpoint over the loaded ids; `pass` picks a different sample. */
async function requestsFor (db: Kysely<Database>, pass: string, n: number): Promise<Request[]> {
  const ids = async (kind: string) => (await db.selectFrom('records').select('id').where('kind', '=', kind as any).orderBy('id').execute()).map((r) => r.id)
  const orgs = await ids('organizations')
  const people = await ids('people')
  const rng = Rng.of('latency-requests', pass)
  const out: Request[] = []
  for (let i = 0; i < n; i++) out.push({ endpoint: 'partners: profile', method: 'POST', path: '/v1/match/partners', body: { organizationId: rng.pick(orgs), limit: 10 } })
  const withNeeds = await db.selectFrom('records').select('body').where('kind', '=', 'organizations').where('id', 'in', rng.sample(orgs, n * 3)).execute()
  for (const row of withNeeds) {
    const needs = ((row.body as { needs?: string[] }).needs ?? []).slice(0, 3)
    if (needs.length === 0 || out.length >= 2 * n) continue
    out.push({ endpoint: 'partners: free text', method: 'POST', path: '/v1/match/partners', body: { text: `Cerchiamo partner con esperienza in ${needs.join(', ')}`, competencies: needs.slice(0, 2), limit: 10 } })
  }
  for (let i = 0; i < n; i++) out.push({ endpoint: 'recommendations', method: 'GET', path: `/v1/people/${encodeURIComponent(rng.pick(people))}/recommendations?limit=10` })
  return out
}

/** Runs the service's own matching code on `index` and records every retrieval each request makes. */
async function capture (db: Kysely<Database>, index: SearchIndex, requests: readonly Request[]): Promise<Captured[]> {
  let current: RetrievalQuery[][] = []
  const spy = new Proxy(index, {
    get (target, prop) {
      if (prop === 'retrieve') return (q: RetrievalQuery) => { current.push([q]); return target.retrieve(q) }
      if (prop === 'retrieveMany') return (qs: readonly RetrievalQuery[]) => { current.push([...qs]); return target.retrieveMany(qs) }
      const v = (target as any)[prop]
      return typeof v === 'function' ? v.bind(target) : v
    }
  })
  const repo = new RecordRepository(db)
  const cache = new VectorCache(db, { memoryBytes: 1024 * 2 ** 20 })
  const graph = new CollaborationGraph(db)
  await graph.reload()
  const matcher = new PartnerMatcher(graph, spy, cache, parseWeights(undefined))
  const recommender = new Recommender(db, spy, cache, repo, DEFAULT_RECOMMENDATION_WEIGHTS)
  const out: Captured[] = []
  for (const request of requests) {
    current = []
    const b = request.body as { organizationId?: string, text?: string, competencies?: string[] } | undefined
    if (request.endpoint === 'recommendations') {
      const id = decodeURIComponent((request.path.split('/')[3]) as string)
      const person = await repo.get('people', id)
      if (!person) throw new Error(`people/${id} missing`)
      await recommender.recommend({ personId: id, person: person.body, kinds: ['proposals', 'communities', 'content'] as OpportunityKind[], feedback: { dismissed: new Set(), shown: new Set(), engaged: [] }, excludeShown: false, model: MODEL, now: new Date(), depth: 10 })
    } else {
      const seeker = b?.text
        ? await seekerFromText(b.text, b.competencies ?? [], embedder)
        : await seekerFromRecord('organizations', b?.organizationId as string, (await repo.get('organizations', b?.organizationId as string))?.body ?? {}, MODEL, cache)
      await matcher.match({ seeker, mode: 'complementary', filters: {}, excludePastPartners: false, model: MODEL, depth: 10 })
    }
    out.push({ request, retrievals: current })
    if (process.env.BENCH_DEBUG) log(`captured ${out.length} ${request.endpoint}`)
  }
  return out
}

/**
 * The service is called through undici's `request` on a keep-alive pool, the HTTP client the
 * Elasticsearch client uses for the bare queries: both sides pay the same client cost (`fetch`,
 * built on the same library, adds about 1.2 ms per call here).
 */
const serviceClient = new Agent({ connections: Math.max(...CONCURRENCY), keepAliveTimeout: 60_000 })

/** Server-Timing phases summed over a pass: phase → total ms, and the requests they came from. */
class PhaseSums {
  readonly ms = new Map<string, number>()
  requests = 0
  add (header: string | string[] | undefined): void {
    if (typeof header !== 'string') return
    this.requests++
    for (const part of header.split(',')) {
      const m = /^\s*([\w-]+);dur=([\d.]+)/.exec(part)
      if (m) this.ms.set(m[1] as string, (this.ms.get(m[1] as string) ?? 0) + Number(m[2]))
    }
  }

  /** "record 0.41 · seeker 0.12 · ... · total 6.2": mean ms per request of each phase. */
  toString (): string {
    return [...this.ms].map(([name, ms]) => `${name} ${(ms / (this.requests || 1)).toFixed(2)}`).join(' · ')
  }
}

async function callService (port: number, r: Request, phases?: PhaseSums): Promise<void> {
  const res = await request(`http://127.0.0.1:${port}${r.path}`, {
    method: r.method,
    dispatcher: serviceClient,
    ...(r.body ? { body: JSON.stringify(r.body), headers: { 'content-type': 'application/json' } } : {})
  })
  const text = await res.body.text()
  if (res.statusCode >= 400) throw new Error(`${r.method} ${r.path}: ${res.statusCode} ${text.slice(0, 200)}`)
  phases?.add(res.headers['server-timing'])
}

/** The ids a request's answer serves, in order, with their scores. */
async function served (port: number, r: Request): Promise<Array<{ id: string, score: number }>> {
  const res = await request(`http://127.0.0.1:${port}${r.path}`, {
    method: r.method,
    dispatcher: serviceClient,
    ...(r.body ? { body: JSON.stringify(r.body), headers: { 'content-type': 'application/json' } } : {})
  })
  const body = await res.body.json() as { results?: Array<{ id: string, score: number }> }
  if (res.statusCode >= 400) throw new Error(`${r.method} ${r.path}: ${res.statusCode} ${JSON.stringify(body).slice(0, 200)}`)
  return (body.results ?? []).map((x) => ({ id: x.id, score: x.score }))
}

/**
 * The served top 10 of the two servers for every request: identical, or how they differ. A difference
 * is a tie when the two lists hold the same ids and each swapped pair has equal scores (within 1e-4,
 * the rounding of a served score); anything else is listed in full.
 */
const rankingChecks: Record<string, unknown> = {}
async function compareRankings (backend: string, servers: Server[], requests: readonly Captured[]): Promise<void> {
  const [a, b] = servers as [Server, Server]
  const byEndpoint: Record<string, { requests: number, identical: number, ties: number, different: number, examples: unknown[] }> = {}
  for (const c of requests) {
    const e = byEndpoint[c.request.endpoint] ??= { requests: 0, identical: 0, ties: 0, different: 0, examples: [] }
    const [x, y] = [await served(a.port, c.request), await served(b.port, c.request)]
    e.requests++
    if (x.map((h) => h.id).join() === y.map((h) => h.id).join()) { e.identical++; continue }
    const scoreOf = new Map(y.map((h) => [h.id, h.score]))
    const tie = x.length === y.length && x.every((h, i) => scoreOf.has(h.id) && Math.abs((scoreOf.get(h.id) as number) - h.score) <= 1e-4 && (h.id === y[i]?.id || Math.abs(h.score - (y[i] as { score: number }).score) <= 1e-4))
    if (tie) e.ties++
    else e.different++
    if (e.examples.length < 5) e.examples.push({ request: c.request.body ?? c.request.path, tie, new: x, previous: y })
  }
  log(`${backend} served top 10, this code vs the variant: ${JSON.stringify(Object.fromEntries(Object.entries(byEndpoint).map(([k, v]) => [k, { requests: v.requests, identical: v.identical, ties: v.ties, different: v.different }])))}`)
  rankingChecks[backend] = byEndpoint
}

/** Pids of a process's children (the server's model process), from /proc. */
function childrenOf (pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number))
  } catch {
    return []
  }
}

/** Elasticsearch's JVM on this machine (none for the embedded backend). */
const elasticsearchPids = () => pidsMatching('org.elasticsearch')

/** The variant server's columns (BENCH_VARIANT), beside the first server's. */
function variantColumns (v: PassResult & { each: number[] }, s: PassResult, cpu: number, phases: PhaseSums): Row {
  return {
    'variant p99': v.p99,
    'variant req/s': v.throughput,
    'variant / service req/s': Math.round(v.throughput / s.throughput * 100) / 100,
    'variant API CPU ms/req': cpu,
    'variant req/s each round': v.each.join(' / '),
    'variant phases ms': phases.toString()
  }
}

/** Passes alternated bare/service `ROUNDS` times: latencies pooled, throughput over all of them. */
function pooled (passes: PassResult[]): PassResult & { each: number[] } {
  const requests = passes.reduce((n, p) => n + p.requests, 0)
  const seconds = passes.reduce((t, p) => t + p.requests / p.throughput, 0)
  const weighted = (k: 'p50' | 'p95' | 'p99' | 'mean') => Math.round(passes.reduce((t, p) => t + p[k] * p.requests, 0) / requests * 100) / 100
  return { requests, errors: passes.reduce((n, p) => n + p.errors, 0), p50: weighted('p50'), p95: weighted('p95'), p99: weighted('p99'), mean: weighted('mean'), throughput: Math.round(requests / seconds * 10) / 10, each: passes.map((p) => p.throughput) }
}

interface Row extends Record<string, string | number> {}
const vectorCaches: Record<string, unknown> = {}

/** Bare and service passes for every endpoint and concurrency, after a warm-up of both. */
async function measure (backend: string, records: number, servers: Server[], bare: (c: Captured) => Promise<void>, warm: Captured[], sets: Map<number, Captured[]>): Promise<Row[]> {
  const rows: Row[] = []
  const { port, pid } = servers[0] as Server
  // Steady state: the server fills its vector cache from the store at start, and the embedded index
  // too; measure once they are full. (The Elasticsearch corpus holds no project documents: the graph
  // reads them from the store, so that backend never reports every kind in sync.)
  for (const server of servers) {
    for (const until = Date.now() + 20 * 60_000; Date.now() < until;) {
      const status = await (await fetch(`http://127.0.0.1:${server.port}/v1/status`)).json() as { vectorCache: { warmup: { state: string } }, kinds: Array<{ inSync: boolean }> }
      if (!['waiting', 'running'].includes(status.vectorCache.warmup.state) && (backend !== 'embedded' || status.kinds.every((k) => k.inSync))) {
        log(`${backend} server ${server.pid} vector cache warm-up: ${JSON.stringify(status.vectorCache.warmup)}`)
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }
  if (servers.length > 1 && process.env.BENCH_COMPARE_RANKINGS !== '0') await compareRankings(backend, servers, [...sets.values()].flat())
  const endpoints = (['partners: profile', 'partners: free text', 'recommendations'] as Endpoint[]).filter(isWanted)
  for (const endpoint of endpoints) {
    const w = warm.filter((c) => c.request.endpoint === endpoint)
    await runPass(w, 8, bare)
    for (const server of servers) await runPass(w, 8, (c) => callService(server.port, c.request))
    for (const c of CONCURRENCY) {
      const set = (sets.get(c) ?? []).filter((x) => x.request.endpoint === endpoint)
      const bares: PassResult[] = []
      const services: PassResult[] = []
      const phases = new PhaseSums()
      let apiCpu = 0
      let modelCpu = 0
      let esCpuBare = 0
      let esCpuService = 0
      const variants: PassResult[] = []
      let variantCpu = 0
      const variantPhases = new PhaseSums()
      for (let round = 0; round < ROUNDS; round++) {
        const esBare = cpuMeter(elasticsearchPids)
        bares.push(await runPass(set, c, bare))
        esCpuBare += esBare() ?? 0
        const api = cpuMeter(() => [pid])
        const model = cpuMeter(() => childrenOf(pid))
        const es = cpuMeter(elasticsearchPids)
        services.push(await runPass(set, c, (x) => callService(port, x.request, phases)))
        apiCpu += api() ?? NaN
        modelCpu += model() ?? 0
        esCpuService += es() ?? 0
        const other = servers[1]
        if (other) {
          const cpu = cpuMeter(() => [other.pid])
          variants.push(await runPass(set, c, (x) => callService(other.port, x.request, variantPhases)))
          variantCpu += cpu() ?? NaN
        }
      }
      const b = pooled(bares)
      const s = pooled(services)
      const perRequest = (seconds: number, requests: number) => Math.round(seconds * 1000 / requests * 100) / 100
      const row: Row = {
        backend,
        records,
        endpoint,
        concurrency: c,
        requests: s.requests,
        'bare p50': b.p50,
        'bare p99': b.p99,
        'service p50': s.p50,
        'service p99': s.p99,
        'bare req/s': b.throughput,
        'service req/s': s.throughput,
        'share of bare': Math.round(s.throughput / b.throughput * 100) / 100,
        'API CPU ms/req': perRequest(apiCpu, s.requests),
        'model CPU ms/req': perRequest(modelCpu, s.requests),
        'ES CPU ms/req bare': perRequest(esCpuBare, b.requests),
        'ES CPU ms/req service': perRequest(esCpuService, s.requests),
        errors: b.errors + s.errors,
        'bare req/s each round': b.each.join(' / '),
        'service req/s each round': s.each.join(' / '),
        'phases ms (Server-Timing means)': phases.toString(),
        ...(variants.length > 0 ? variantColumns(pooled(variants), s, perRequest(variantCpu, pooled(variants).requests), variantPhases) : {})
      }
      log(JSON.stringify(row))
      rows.push(row)
    }
  }
  const status = await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json() as { vectorCache: Record<string, number> }
  log(`${backend} server vector cache: ${JSON.stringify(status.vectorCache)}`)
  vectorCaches[backend] = status.vectorCache
  return rows
}

async function sets (db: Kysely<Database>, index: SearchIndex): Promise<{ warm: Captured[], byConcurrency: Map<number, Captured[]> }> {
  const wanted = async (pass: string, n: number) => (await requestsFor(db, pass, n)).filter((r) => isWanted(r.endpoint))
  const warm = await capture(db, index, await wanted('warm-up', Math.max(50, REQUESTS / 4)))
  const byConcurrency = new Map<number, Captured[]>()
  for (const c of CONCURRENCY) byConcurrency.set(c, await capture(db, index, await wanted(`c${c}`, REQUESTS)))
  return { warm, byConcurrency }
}

async function elasticsearchRun (): Promise<{ rows: Row[], load: Record<string, unknown> }> {
  const admin = new pg.Client({ connectionString: POSTGRES })
  await admin.connect()
  const url = new URL(POSTGRES)
  url.pathname = `/${ES_DB}`
  const spec = JSON.stringify({ ES_SIZE, MODEL, mapping: MAPPING_VERSION })
  const es = new ElasticsearchIndex({ url: ES, prefix: PREFIX, requestTimeoutMs: 120_000 })
  let load: Record<string, unknown> = { reused: true }
  let reuse = false
  if (!process.env.BENCH_RELOAD) {
    try {
      const c = new pg.Client({ connectionString: url.toString() })
      await c.connect()
      const meta = await c.query('select spec from bench_meta').catch(() => ({ rows: [] as Array<{ spec: string }> }))
      await c.end()
      reuse = meta.rows[0]?.spec === spec && (await es.count('proposals').catch(() => 0)) === ES_SIZE.proposals
    } catch {}
  }
  if (!reuse) {
    log(`building the corpus: ${JSON.stringify(ES_SIZE)}`)
    await admin.query(`drop database if exists ${ES_DB} with (force)`)
    await admin.query(`create database ${ES_DB}`)
    await es.client.indices.delete({ index: `${PREFIX}*` }, { ignore: [404] })
    const store = await createStore<Database>({ databaseUrl: url.toString(), dataDir: '.data/unused' })
    await migrateToLatest(store.db)
    await es.ensureIndices()
    await es.client.indices.putSettings({ index: `${PREFIX}*`, settings: { refresh_interval: '-1' } })
    const started = performance.now()
    const stats = await loadCorpus(store.db, es, corpus(ES_SIZE), new SyntheticVectors(), MODEL, log)
    const loadMs = performance.now() - started
    await es.client.indices.putSettings({ index: `${PREFIX}*`, settings: { refresh_interval: '1s' } })
    await es.refresh()
    log('force-merging each index to one segment (what a quiet index converges to) ...')
    const mergeStarted = performance.now()
    const merge = await es.client.indices.forcemerge({ index: `${PREFIX}*`, max_num_segments: 1, wait_for_completion: false })
    for (;;) {
      const task = await es.client.tasks.get({ task_id: String(merge.task) })
      if (task.completed) break
      await new Promise((resolve) => setTimeout(resolve, 5000))
    }
    await sql`create table bench_meta (spec text)`.execute(store.db)
    await sql`insert into bench_meta values (${spec})`.execute(store.db)
    await store.close()
    load = { reused: false, ...stats, loadSeconds: Math.round(loadMs / 1000), indexedDocsPerSecond: Math.round(stats.indexed / (loadMs / 1000)), forceMergeSeconds: Math.round((performance.now() - mergeStarted) / 1000) }
    log(`loaded: ${JSON.stringify(load)}`)
  }
  await admin.end()
  const counts = Object.fromEntries(await Promise.all(KINDS.map(async (k) => [k, await es.count(k).catch(() => 0)])))
  load.indexCounts = counts
  log(`index counts ${JSON.stringify(counts)}; capturing the requests' retrievals`)
  const store = await createStore<Database>({ databaseUrl: url.toString(), dataDir: '.data/unused' })
  const { warm, byConcurrency } = await sets(store.db, es)
  log('captured; starting the server')
  await store.close()
  const bodies = new Map<Captured, unknown[][]>()
  for (const list of [warm, ...byConcurrency.values()]) for (const c of list) bodies.set(c, c.retrievals.map((group) => group.flatMap((q) => es.retrievalRequests(q))))
  const bare = async (c: Captured) => {
    // The round trips of one service call go one after another, as the service sends them; each is
    // one multi-search holding every search of its retrievals, as the service sends it.
    for (const searches of bodies.get(c) ?? []) {
      const res = await es.multiSearch(searches)
      if (res.responses.some((r) => 'error' in r)) throw new Error('bare search failed')
    }
  }
  const settings = { DATABASE_URL: url.toString(), ELASTICSEARCH_URL: ES, INDEX_PREFIX: PREFIX, RUN_WORKERS: 'false', DEMO_DATA: 'false', LOG_LEVEL: 'warn', EMBEDDING_MODEL: MODEL, VECTOR_CACHE_MB }
  const servers: Server[] = [await spawnServer(settings)]
  try {
    if (HAS_VARIANT) servers.push(await spawnServer({ ...settings, ...VARIANT }, VARIANT_DIR))
    const total = Object.values(ES_SIZE).reduce((s, n) => s + n, 0)
    return { rows: await measure('elasticsearch', total, servers, bare, warm, byConcurrency), load }
  } finally {
    for (const server of servers) await server.stop()
    await es.close()
  }
}

async function embeddedRun (): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'engine-latency-'))
  try {
    const store = await createStore<Database>({ dataDir: dir })
    await migrateToLatest(store.db)
    const index = new EmbeddedIndex()
    await loadCorpus(store.db, index, corpus(EMBEDDED_SIZE), new SyntheticVectors(), MODEL, log)
    await index.refresh()
    const { warm, byConcurrency } = await sets(store.db, index)
    await store.close()
    const bare = async (c: Captured) => { for (const group of c.retrievals) await index.retrieveMany(group) }
    // The variant server gets a copy of the store: an embedded store belongs to one process.
    if (HAS_VARIANT) await cp(dir, `${dir}-variant`, { recursive: true })
    const settings = { RUN_WORKERS: 'true', DEMO_DATA: 'false', LOG_LEVEL: 'warn', EMBEDDING_MODEL: MODEL }
    const servers: Server[] = [await spawnServer({ ...settings, DATA_DIR: dir })]
    try {
      if (HAS_VARIANT) servers.push(await spawnServer({ ...settings, ...VARIANT, DATA_DIR: `${dir}-variant` }, VARIANT_DIR))
      // A server refills its in-memory index from the store at start; wait until it answers.
      for (const server of servers) {
        for (let i = 0; i < 600; i++) {
          // (A refill keeps the loop busy: a kept-alive connection may be closed under the request.)
          const res = await fetch(`http://127.0.0.1:${server.port}/v1/match/partners`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify((warm[0]?.request.body) ?? {}) }).catch(() => null)
          if (res?.ok && ((await res.json()) as { results: unknown[] }).results.length > 0) break
          await new Promise((resolve) => setTimeout(resolve, 1000))
        }
      }
      const total = Object.values(EMBEDDED_SIZE).reduce((s, n) => s + n, 0)
      return await measure('embedded', total, servers, bare, warm, byConcurrency)
    } finally {
      for (const server of servers) await server.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
    await rm(`${dir}-variant`, { recursive: true, force: true })
  }
}

const rows: Row[] = []
let load: Record<string, unknown> | undefined
if (BACKEND === 'both' || BACKEND === 'elasticsearch') {
  const r = await elasticsearchRun()
  rows.push(...r.rows)
  load = r.load
}
if (BACKEND === 'both' || BACKEND === 'embedded') rows.push(...await embeddedRun())
await embedder.close()
await serviceClient.close()
await report(`match-latency${BACKEND === 'both' ? '' : `-${BACKEND}`}`, rows, {
  vectors: 'synthesised: clustered (256 centres) and normalised, facet vectors = mean of the record\'s phrase vectors plus noise; free-text queries embedded by the model',
  model: MODEL,
  corpus: { elasticsearch: ES_SIZE, embedded: EMBEDDED_SIZE },
  requestsPerPass: REQUESTS,
  bare: 'the retrievals each request makes, captured by running the service\'s matcher code here, replayed round trip by round trip as the service sends them: one Elasticsearch multi-search per round trip through the same client, or retrieveMany() on an embedded index with the same documents',
  service: 'HTTP API of a server process (RUN_WORKERS=false for Elasticsearch), called through undici request on a keep-alive pool (the client the bare side uses), measured once its vector-cache warm-up has ended',
  targets: 'at concurrency 8: API CPU per request ≤ 1.5 ms (profile), ≤ 2 ms (free text, the model process apart); service throughput ≥ 0.70 (profile), 0.50 (free text), 0.85 (recommendations) of the bare queries\'; profile p99 < 50 ms',
  rounds: ROUNDS,
  ...(HAS_VARIANT ? { variant: { settings: VARIANT, checkout: VARIANT_DIR, servedTop10: rankingChecks } } : {}),
  serverVectorCache: vectorCaches,
  elasticsearchVectorCacheMB: Number(VECTOR_CACHE_MB),
  ...(load ? { elasticsearchLoad: load } : {})
}, ['backend', 'endpoint', 'concurrency', 'bare req/s', 'service req/s', 'share of bare', 'service p99', 'API CPU ms/req', 'model CPU ms/req', 'variant req/s', 'variant / service req/s', 'variant API CPU ms/req'])
