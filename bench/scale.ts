// Scale: the latency corpus grown to about 2M indexed documents, loaded into an Elasticsearch node
// and a Postgres database of the benchmark's own, then measured: indexing rate over the load, index
// size per kind and per 100k documents, Elasticsearch heap and process memory, and the match
// endpoints (profile and free-text partner matching, recommendations for a person) at concurrency 1
// and 8 through the service, side by side with the bare index queries, as bench/match-latency.ts
// measures them at 480k records (same request mix, same server settings, same CPU accounting).
//
// Corpus: bench/lib/latency-corpus.ts with every kind scaled by the same factor (default
// 2,000,000 / 420,200, the latency corpus's indexed documents): about 476k organisations, 476k
// people, 952k proposals, 95k content items and 950 communities in the index, and 286k projects in
// the store for the collaboration graph. Vectors are SYNTHESISED (bench/lib/synthetic-vectors.ts),
// not embedded; free-text queries are embedded by the real model.
//
// Usage (on a node of its own; run the load niced, it takes a while on two cores):
//   ES_PORT=9400 ES_HEAP=4g ES_DATA_DIR=/work/es-scale nice -n 19 node dev/elasticsearch/es.mjs start
//   SCALE_PHASE=load nice -n 19 npx tsx bench/scale.ts      # resumable: run it again to continue
//   SCALE_PHASE=measure npx tsx bench/scale.ts              # writes bench/results/scale-2m.json
// Env: SCALE_ELASTICSEARCH_URL (http://127.0.0.1:9400), SCALE_DATABASE (scale2m, on TEST_DATABASE_URL's
// server), SCALE_FACTOR, SCALE_RELOAD=1 (drop and rebuild), SCALE_FORCEMERGE=<segments> (after the
// load; none by default), SCALE_PROGRESS (/work/scale-progress.ndjson: the load's timeline, read back
// by the measure phase), SCALE_REQUESTS (200 per pass), SCALE_CONCURRENCY (1,8), SCALE_ROUNDS (2),
// SCALE_RESULT (scale-2m), SCALE_ENDPOINTS=profile,free (only these endpoints).
import { execFileSync } from 'node:child_process'
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import pg from 'pg'
import { Agent, request } from 'undici'
import type { Kysely } from 'kysely'
import { createStore } from '../src/store/create-store.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import type { Database } from '../src/store/schema.ts'
import type { SearchIndex } from '../src/ports/search-index.ts'
import type { RetrievalQuery } from '../src/ports/retrieval.ts'
import { ElasticsearchIndex } from '../src/search/elasticsearch/elasticsearch-index.ts'
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
import type { BulkLine } from '../fixtures/generate.ts'
import { SyntheticVectors } from './lib/synthetic-vectors.ts'
import { corpus, loadCorpus, type CorpusSize } from './lib/latency-corpus.ts'
import { runPass, type PassResult } from './lib/load-runner.ts'
import { spawnServer } from './lib/server-process.ts'
import { POSTGRES } from './lib/database.ts'
import { report } from './lib/report.ts'
import { cpuMeter, cpuSeconds, pidsMatching } from './lib/process-cpu.ts'
import { MAPPING_VERSION } from '../indexers/definitions.ts'

const PHASE = process.env.SCALE_PHASE ?? 'all'
const ES = process.env.SCALE_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9400'
const DB = process.env.SCALE_DATABASE ?? 'scale2m'
const PREFIX = 'scale-'
const MODEL = process.env.EMBEDDING_MODEL ?? 'bge-small-en-v1.5'
const PROGRESS = process.env.SCALE_PROGRESS ?? '/work/scale-progress.ndjson'
const STOP_FILE = process.env.SCALE_STOP_FILE ?? '/work/scale-stop-at'
const REQUESTS = Number(process.env.SCALE_REQUESTS ?? 200)
const CONCURRENCY = (process.env.SCALE_CONCURRENCY ?? '1,8').split(',').map(Number)
const ROUNDS = Number(process.env.SCALE_ROUNDS ?? 2)
/** SCALE_ENDPOINTS=profile,free: only the endpoints whose names contain one of these words (all by default). */
const WANTED = (process.env.SCALE_ENDPOINTS ?? '').split(',').map((w) => w.trim()).filter(Boolean)
const isWanted = (e: string) => WANTED.length === 0 || WANTED.some((w) => e.includes(w))
/** The same vector memory the 480k latency run gives its server. */
const VECTOR_CACHE_MB = process.env.SCALE_VECTOR_CACHE_MB ?? '1024'
/** The latency corpus (bench/match-latency.ts) and the factor that makes its indexed documents 2M. */
const LATENCY_SIZE: CorpusSize = { organizations: 100_000, people: 100_000, proposals: 200_000, projects: 60_000, communities: 200, content: 20_000 }
const FACTOR = Number(process.env.SCALE_FACTOR ?? 2_000_000 / 420_200)
const SIZE = Object.fromEntries(Object.entries(LATENCY_SIZE).map(([k, n]) => [k, Math.round(n * FACTOR)])) as CorpusSize
const SPEC = JSON.stringify({ SIZE, MODEL, mapping: MAPPING_VERSION })
const log = (m: string) => console.error(`[scale ${new Date().toISOString().slice(11, 19)}] ${m}`)

const dbUrl = (() => { const u = new URL(POSTGRES); u.pathname = `/${DB}`; return u.toString() })()
const es = new ElasticsearchIndex({ url: ES, prefix: PREFIX, requestTimeoutMs: 300_000 })
const elasticsearchPids = () => pidsMatching('org.elasticsearch').filter((pid) => {
  // Only this benchmark's node: the JVM whose data directory holds the pid file of the node on ES's port.
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`http.port=${new URL(ES).port}`) || readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`ES_PORT=${new URL(ES).port}`) } catch { return false }
})

function progress (entry: Record<string, unknown>): void {
  appendFileSync(PROGRESS, JSON.stringify({ at: new Date().toISOString(), ...entry }) + '\n')
}

function readProgress (): Array<Record<string, unknown>> {
  if (!existsSync(PROGRESS)) return []
  return readFileSync(PROGRESS, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
}

// ------------------------------------------------------------------------------------------- load

async function load (): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES })
  await admin.connect()
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [DB])).rowCount === 1
  /** Lines of each kind already in the store, less what may have been in flight (redone, idempotently). */
  const skip: Partial<Record<string, number>> = {}
  let fresh = true
  if (exists && !process.env.SCALE_RELOAD) {
    const c = new pg.Client({ connectionString: dbUrl })
    await c.connect()
    const spec = (await c.query('select spec from bench_meta').catch(() => ({ rows: [] as Array<{ spec: string }> }))).rows[0]?.spec
    if (spec === SPEC) {
      fresh = false
      // Up to three batches of 500 may have been in flight, finished out of order: redo them (both
      // writes are idempotent upserts).
      for (const row of (await c.query('select kind, count(*)::int as n from records group by kind')).rows as Array<{ kind: string, n: number }>) skip[row.kind] = Math.max(0, row.n - 2000)
      log(`resuming: skipping the first lines of each kind ${JSON.stringify(skip)}`)
    }
    await c.end()
  }
  if (fresh) {
    log(`building the corpus: ${JSON.stringify(SIZE)}`)
    await admin.query(`drop database if exists ${DB} with (force)`)
    await admin.query(`create database ${DB}`)
    await es.client.indices.delete({ index: `${PREFIX}*` }, { ignore: [404] })
    rmSync(PROGRESS, { force: true })
  }
  await admin.end()
  const store = await createStore<Database>({ databaseUrl: dbUrl, dataDir: '.data/unused' })
  await migrateToLatest(store.db)
  if (fresh) {
    await store.db.schema.createTable('bench_meta').ifNotExists().addColumn('spec', 'text').execute()
    await store.db.insertInto('bench_meta' as any).values({ spec: SPEC }).execute()
    await es.ensureIndices()
    progress({ event: 'start', size: SIZE, factor: FACTOR })
  } else {
    progress({ event: 'resume', skip })
  }
  await es.client.indices.putSettings({ index: `${PREFIX}*`, settings: { refresh_interval: '-1' } })
  const total = Object.values(SIZE).reduce((s, n) => s + n, 0)
  const started = performance.now()
  const esCpu = cpuMeter(elasticsearchPids)
  const selfCpu0 = cpuSeconds(process.pid) ?? 0
  let lastT = started
  let lastLines = 0
  let lastEs = 0
  let lastSelf = selfCpu0
  let stoppedEarly = false
  /** SCALE_STOP_AT (or the file SCALE_STOP_FILE, read as the load goes): a clock time (ISO) at which the load stops taking lines. */
  const stopAt = (): number => {
    let raw = process.env.SCALE_STOP_AT
    try { raw = readFileSync(STOP_FILE, 'utf8').trim() || raw } catch {}
    return raw ? Date.parse(raw) : Infinity
  }
  let deadline = stopAt()
  let n = 0
  const tick = (kind: string) => {
    n++
    if (n % 50_000 !== 0) return
    deadline = stopAt()
    const now = performance.now()
    const esNow = esCpu() ?? 0
    const selfNow = cpuSeconds(process.pid) ?? 0
    const entry = {
      event: 'progress',
      lines: n,
      of: total,
      kind,
      seconds: Math.round((now - started) / 1000),
      linesPerSecond: Math.round((n - lastLines) / ((now - lastT) / 1000)),
      loaderCpuSeconds: Math.round((selfNow - lastSelf) * 10) / 10,
      elasticsearchCpuSeconds: Math.round((esNow - lastEs) * 10) / 10,
      loadavg: loadavg().map((x) => Math.round(x * 100) / 100)
    }
    log(JSON.stringify(entry))
    progress(entry)
    lastT = now
    lastLines = n
    lastEs = esNow
    lastSelf = selfNow
  }
  // The generator's order is communities, organisations, projects, people, proposals, content. People
  // are held back (as JSON text) and loaded last: should the load be stopped early, the indices the
  // measured endpoints search (organisations; proposals, communities, content) are the complete ones.
  function * ordered (): Generator<BulkLine> {
    const seen: Record<string, number> = {}
    const people: string[] = []
    for (const line of corpus(SIZE)) {
      seen[line.kind] = (seen[line.kind] ?? 0) + 1
      if ((seen[line.kind] as number) <= (skip[line.kind] ?? 0)) continue
      if (line.kind === 'people') { people.push(JSON.stringify(line)); continue }
      if (Date.now() > deadline) { stoppedEarly = true; return }
      tick(line.kind)
      yield line
    }
    for (let i = 0; i < people.length; i++) {
      if (Date.now() > deadline) { stoppedEarly = true; return }
      const line = JSON.parse(people[i] as string) as BulkLine
      people[i] = ''
      tick(line.kind)
      yield line
    }
  }
  const stats = await loadCorpus(store.db, es, ordered(), new SyntheticVectors(), MODEL, () => {})
  const loadSeconds = (performance.now() - started) / 1000
  const esLoadCpu = esCpu() ?? 0
  await es.client.indices.putSettings({ index: `${PREFIX}*`, settings: { refresh_interval: '1s' } })
  const refreshStarted = performance.now()
  await es.refresh()
  const refreshSeconds = (performance.now() - refreshStarted) / 1000
  let forceMergeSeconds: number | null = null
  if (process.env.SCALE_FORCEMERGE) {
    log(`force-merging to ${process.env.SCALE_FORCEMERGE} segments per index ...`)
    const t = performance.now()
    const merge = await es.client.indices.forcemerge({ index: `${PREFIX}*`, max_num_segments: Number(process.env.SCALE_FORCEMERGE), wait_for_completion: false })
    for (;;) {
      const task = await es.client.tasks.get({ task_id: String(merge.task) })
      if (task.completed) break
      await new Promise((resolve) => setTimeout(resolve, 10_000))
    }
    forceMergeSeconds = Math.round((performance.now() - t) / 1000)
  }
  await store.close()
  const done = {
    event: 'done',
    skipped: skip,
    stoppedEarly,
    ...stats,
    loadSeconds: Math.round(loadSeconds),
    indexedDocsPerSecond: Math.round(stats.indexed / loadSeconds),
    recordsPerSecond: Math.round(stats.records / loadSeconds),
    loaderCpuSeconds: Math.round(((cpuSeconds(process.pid) ?? 0) - selfCpu0)),
    elasticsearchCpuSeconds: Math.round(esLoadCpu),
    elasticsearchCpuMsPerDoc: Math.round(esLoadCpu * 1000 / stats.indexed * 100) / 100,
    refreshSeconds: Math.round(refreshSeconds),
    forceMergeSeconds
  }
  log(JSON.stringify(done))
  progress(done)
}

// ---------------------------------------------------------------------------------------- measure

type Endpoint = 'partners: profile' | 'partners: free text' | 'recommendations'
interface Req { endpoint: Endpoint, method: 'GET' | 'POST', path: string, body?: unknown }
interface Captured { request: Req, retrievals: RetrievalQuery[][] }
type Row = Record<string, string | number>

/** The request mix of bench/match-latency.ts: seeded samples over the loaded ids. */
async function requestsFor (db: Kysely<Database>, pass: string, n: number): Promise<Req[]> {
  const ids = async (kind: string) => (await db.selectFrom('records').select('id').where('kind', '=', kind as any).orderBy('id').execute()).map((r) => r.id)
  const orgs = await ids('organizations')
  const people = await ids('people')
  const rng = Rng.of('latency-requests', pass)
  const out: Req[] = []
  for (let i = 0; i < n; i++) out.push({ endpoint: 'partners: profile', method: 'POST', path: '/v1/match/partners', body: { organizationId: rng.pick(orgs), limit: 10 } })
  const withNeeds = await db.selectFrom('records').select('body').where('kind', '=', 'organizations').where('id', 'in', rng.sample(orgs, n * 3)).execute()
  for (const row of withNeeds) {
    const needs = ((row.body as { needs?: string[] }).needs ?? []).slice(0, 3)
    if (needs.length === 0 || out.length >= 2 * n) continue
    out.push({ endpoint: 'partners: free text', method: 'POST', path: '/v1/match/partners', body: { text: `Cerchiamo partner con esperienza in ${needs.join(', ')}`, competencies: needs.slice(0, 2), limit: 10 } })
  }
  // (A load stopped before the people holds none to recommend for.)
  if (people.length > 0) for (let i = 0; i < n; i++) out.push({ endpoint: 'recommendations', method: 'GET', path: `/v1/people/${encodeURIComponent(rng.pick(people))}/recommendations?limit=10` })
  return out.filter((r) => isWanted(r.endpoint))
}

/** Runs the service's matching code here and records the retrievals each request makes (the bare side). */
async function capture (db: Kysely<Database>, index: SearchIndex, embedder: TransformersEmbedder, requests: readonly Req[]): Promise<Captured[]> {
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
      const id = decodeURIComponent(request.path.split('/')[3] as string)
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
  }
  return out
}

/** Server-Timing phases summed over passes: mean ms per request of each. */
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

  toString (): string {
    return [...this.ms].map(([name, ms]) => `${name} ${(ms / (this.requests || 1)).toFixed(2)}`).join(' · ')
  }
}

function childrenOf (pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number))
  } catch {
    return []
  }
}

function pooled (passes: PassResult[]): PassResult & { each: number[] } {
  const requests = passes.reduce((n, p) => n + p.requests, 0)
  const seconds = passes.reduce((t, p) => t + p.requests / p.throughput, 0)
  const weighted = (k: 'p50' | 'p95' | 'p99' | 'mean') => Math.round(passes.reduce((t, p) => t + p[k] * p.requests, 0) / requests * 100) / 100
  return { requests, errors: passes.reduce((n, p) => n + p.errors, 0), p50: weighted('p50'), p95: weighted('p95'), p99: weighted('p99'), mean: weighted('mean'), throughput: Math.round(requests / seconds * 10) / 10, each: passes.map((p) => p.throughput) }
}

/** The commit measured, and the source files that differed from it in the working tree then. */
function codeState (): { commit: string, uncommitted: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim()
  try {
    return { commit: git('rev-parse', 'HEAD'), uncommitted: git('diff', '--name-only', 'HEAD', '--', 'src', 'indexers').split('\n').filter(Boolean) }
  } catch {
    return { commit: 'unknown', uncommitted: [] }
  }
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20 * 10) / 10

/** Index size per kind (primary store, docs) and per 100k documents; the store's tables. */
async function sizes (): Promise<{ index: Row[], store: Record<string, number> }> {
  const cat = await es.client.cat.indices({ index: `${PREFIX}*`, format: 'json', bytes: 'b' }) as Array<Record<string, string>>
  const segs = await es.client.indices.segments({ index: `${PREFIX}*` })
  const index: Row[] = []
  for (const c of cat.sort((a, b) => String(a.index).localeCompare(String(b.index)))) {
    const kind = KINDS.find((k) => String(c.index).startsWith(`${PREFIX}${k}`)) ?? String(c.index)
    const docs = Number(c['docs.count'])
    const bytes = Number(c['pri.store.size'])
    const shards = (segs.indices as Record<string, { shards: Record<string, Array<{ segments: Record<string, unknown> }>> }>)[String(c.index)]?.shards ?? {}
    const segments = Object.values(shards).flat().reduce((n, s) => n + Object.keys(s.segments).length, 0)
    index.push({ kind, index: String(c.index), docs, 'store MB': mb(bytes), 'MB per 100k docs': docs > 0 ? mb(bytes / docs * 100_000) : 0, segments })
  }
  const docs = index.reduce((n, r) => n + Number(r.docs), 0)
  const bytes = index.reduce((n, r) => n + Number(r['store MB']), 0)
  index.push({ kind: 'all', index: `${PREFIX}*`, docs, 'store MB': Math.round(bytes * 10) / 10, 'MB per 100k docs': Math.round(bytes / docs * 100_000 * 10) / 10, segments: index.reduce((n, r) => n + Number(r.segments), 0) })
  const c = new pg.Client({ connectionString: dbUrl })
  await c.connect()
  const q = async (sql: string) => Number((await c.query(sql)).rows[0].n)
  const store = {
    databaseMB: mb(await q(`select pg_database_size('${DB}') as n`)),
    recordsTableMB: mb(await q('select pg_total_relation_size(\'records\') as n')),
    vectorsTableMB: mb(await q('select pg_total_relation_size(\'vectors\') as n')),
    vectorRows: await q('select count(*) as n from vectors'),
    records: await q('select count(*) as n from records'),
    ...Object.fromEntries(((await c.query('select kind, count(*)::int as n from records group by kind order by kind')).rows as Array<{ kind: string, n: number }>).map((r) => [`records: ${r.kind}`, r.n]))
  }
  await c.end()
  return { index, store }
}

/** Resident memory of processes, from /proc. */
function residentBytes (pids: number[]): number {
  return pids.map((pid) => {
    try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024 } catch { return 0 }
  }).reduce((a, b) => a + b, 0)
}

/** Heap and memory of the node: JVM heap, the process's resident memory, the vectors' off-heap need. */
async function memory (): Promise<Record<string, unknown>> {
  const stats = await es.client.nodes.stats({ metric: ['jvm', 'indices'] }) as any
  const node = Object.values(stats.nodes)[0] as any
  const rss = residentBytes(elasticsearchPids())
  return {
    heapUsedMB: mb(node.jvm.mem.heap_used_in_bytes),
    heapMaxMB: mb(node.jvm.mem.heap_max_in_bytes),
    heapUsedPercent: node.jvm.mem.heap_used_percent,
    nonHeapUsedMB: mb(node.jvm.mem.non_heap_used_in_bytes),
    processResidentMB: mb(rss),
    segmentsMemoryMB: mb(node.indices.segments.memory_in_bytes ?? 0),
    denseVector: node.indices.dense_vector ?? null,
    oldGcCollections: node.jvm.gc.collectors.old?.collection_count ?? null,
    youngGcCollections: node.jvm.gc.collectors.young?.collection_count ?? null
  }
}

async function measure (): Promise<void> {
  const timeline = readProgress()
  const loaded = [...timeline].reverse().find((e) => e.event === 'done') ?? null
  // (A load stopped by a kill leaves refresh off.)
  await es.client.indices.putSettings({ index: `${PREFIX}*`, settings: { refresh_interval: '1s' } })
  await es.refresh()
  const { index, store: storeSizes } = await sizes()
  log(`index sizes: ${JSON.stringify(index)}; store: ${JSON.stringify(storeSizes)}`)
  const memoryAfterLoad = await memory()
  log(`memory: ${JSON.stringify(memoryAfterLoad)}`)

  log('loading the model')
  const embedder = new TransformersEmbedder()
  embedder.use(await loadModel({ spec: modelSpec(MODEL), modelsDir: process.env.MODELS_DIR ?? 'models', allowRemote: false, allowMaven: false, threads: 0, log }))
  const store = await createStore<Database>({ databaseUrl: dbUrl, dataDir: '.data/unused' })
  log('capturing the requests\' retrievals')
  const captureStarted = performance.now()
  const warm = await capture(store.db, es, embedder, await requestsFor(store.db, 'warm-up', Math.max(50, REQUESTS / 4)))
  const sets = new Map<number, Captured[]>()
  for (const c of CONCURRENCY) sets.set(c, await capture(store.db, es, embedder, await requestsFor(store.db, `c${c}`, REQUESTS)))
  log(`captured in ${Math.round((performance.now() - captureStarted) / 1000)} s`)
  await store.close()
  await embedder.close()
  const bodies = new Map<Captured, unknown[][]>()
  for (const list of [warm, ...sets.values()]) for (const c of list) bodies.set(c, c.retrievals.map((group) => group.flatMap((q) => es.retrievalRequests(q))))
  const bare = async (c: Captured) => {
    for (const searches of bodies.get(c) ?? []) {
      const res = await es.multiSearch(searches)
      if (res.responses.some((r) => 'error' in r)) throw new Error('bare search failed')
    }
  }
  const client = new Agent({ connections: Math.max(...CONCURRENCY), keepAliveTimeout: 60_000 })
  const call = async (port: number, r: Req, phases?: PhaseSums) => {
    const res = await request(`http://127.0.0.1:${port}${r.path}`, { method: r.method, dispatcher: client, ...(r.body ? { body: JSON.stringify(r.body), headers: { 'content-type': 'application/json' } } : {}) })
    const text = await res.body.text()
    if (res.statusCode >= 400) throw new Error(`${r.method} ${r.path}: ${res.statusCode} ${text.slice(0, 200)}`)
    phases?.add(res.headers['server-timing'])
  }
  const server = await spawnServer({ DATABASE_URL: dbUrl, ELASTICSEARCH_URL: ES, INDEX_PREFIX: PREFIX, RUN_WORKERS: 'false', DEMO_DATA: 'false', LOG_LEVEL: 'warn', EMBEDDING_MODEL: MODEL, VECTOR_CACHE_MB })
  const rows: Row[] = []
  let warmup: unknown = null
  let vectorCache: unknown = null
  let serverMemory: Record<string, number> = {}
  try {
    for (const until = Date.now() + 20 * 60_000; Date.now() < until;) {
      const status = await (await fetch(`http://127.0.0.1:${server.port}/v1/status`)).json() as { vectorCache: { warmup: { state: string } } }
      if (!['waiting', 'running'].includes(status.vectorCache.warmup.state)) { warmup = status.vectorCache.warmup; break }
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    log(`server ${server.pid} vector cache warm-up: ${JSON.stringify(warmup)}`)
    for (const endpoint of (['partners: profile', 'partners: free text', 'recommendations'] as Endpoint[]).filter(isWanted)) {
      const w = warm.filter((c) => c.request.endpoint === endpoint)
      await runPass(w, 8, bare)
      await runPass(w, 8, (c) => call(server.port, c.request))
      for (const c of CONCURRENCY) {
        const set = (sets.get(c) ?? []).filter((x) => x.request.endpoint === endpoint)
        const bares: PassResult[] = []
        const services: PassResult[] = []
        const phases = new PhaseSums()
        let apiCpu = 0
        let modelCpu = 0
        let esCpuBare = 0
        let esCpuService = 0
        const load: number[] = []
        for (let round = 0; round < ROUNDS; round++) {
          const esBare = cpuMeter(elasticsearchPids)
          bares.push(await runPass(set, c, bare))
          esCpuBare += esBare() ?? 0
          const api = cpuMeter(() => [server.pid])
          const model = cpuMeter(() => childrenOf(server.pid))
          const esm = cpuMeter(elasticsearchPids)
          services.push(await runPass(set, c, (x) => call(server.port, x.request, phases)))
          apiCpu += api() ?? NaN
          modelCpu += model() ?? 0
          esCpuService += esm() ?? 0
          load.push(Math.round((loadavg()[0] as number) * 100) / 100)
        }
        const b = pooled(bares)
        const s = pooled(services)
        const per = (seconds: number, n: number) => Math.round(seconds * 1000 / n * 100) / 100
        const row: Row = {
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
          'API CPU ms/req': per(apiCpu, s.requests),
          'model CPU ms/req': per(modelCpu, s.requests),
          'ES CPU ms/req bare': per(esCpuBare, b.requests),
          'ES CPU ms/req service': per(esCpuService, s.requests),
          errors: b.errors + s.errors,
          'bare req/s each round': b.each.join(' / '),
          'service req/s each round': s.each.join(' / '),
          'load average (1 min) after each round': load.join(' / '),
          'phases ms (Server-Timing means)': phases.toString()
        }
        log(JSON.stringify(row))
        rows.push(row)
      }
    }
    vectorCache = (await (await fetch(`http://127.0.0.1:${server.port}/v1/status`)).json() as { vectorCache: unknown }).vectorCache
    serverMemory = { apiResidentMB: mb(residentBytes([server.pid])), modelProcessResidentMB: mb(residentBytes(childrenOf(server.pid))) }
  } finally {
    await server.stop()
    await client.close()
  }
  const memoryAfterLatency = await memory()
  const file = await report(process.env.SCALE_RESULT ?? 'scale-2m', rows, {
    corpus: { planned: SIZE, loaded: Object.fromEntries(Object.entries(storeSizes).filter(([k]) => k.startsWith('records: ')).map(([k, n]) => [k.slice(9), n])) },
    factorOverLatencyCorpus: Math.round(FACTOR * 1000) / 1000,
    vectors: 'synthesised: clustered (256 centres) and normalised, facet vectors = mean of the record\'s phrase vectors plus noise (bench/lib/synthetic-vectors.ts); free-text queries embedded by the model',
    model: MODEL,
    code: codeState(),
    elasticsearch: { url: ES, heap: process.env.ES_HEAP ?? 'see es.mjs', shardsPerIndex: 1, replicas: 0 },
    requestsPerPass: REQUESTS,
    rounds: ROUNDS,
    bare: 'the retrievals each request makes, captured by running the service\'s matcher code here, replayed round trip by round trip as one Elasticsearch multi-search each through the same client',
    service: `HTTP API of a server process (RUN_WORKERS=false, VECTOR_CACHE_MB=${VECTOR_CACHE_MB}), called through undici request on a keep-alive pool, measured once its vector-cache warm-up has ended`,
    load: loaded,
    loadTimeline: timeline.filter((e) => e.event !== 'done'),
    indexSizes: index,
    storeSizes,
    memoryAfterLoad,
    memoryAfterLatency,
    serverVectorCache: { warmup, ...(vectorCache as object) },
    serverMemory
  }, ['endpoint', 'concurrency', 'bare req/s', 'service req/s', 'share of bare', 'service p50', 'service p99', 'API CPU ms/req', 'model CPU ms/req', 'ES CPU ms/req bare', 'ES CPU ms/req service'])
  console.table(index)
  console.log(JSON.stringify({ load: loaded, storeSizes, memoryAfterLoad, memoryAfterLatency }, null, 2))
  log(`written ${file}`)
}

if (PHASE === 'load' || PHASE === 'all') await load()
if (PHASE === 'measure' || PHASE === 'all') await measure()
await es.close()
