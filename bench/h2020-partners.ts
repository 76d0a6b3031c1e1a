// Horizon 2020 partner recommendation quality: does the partner matcher (src/match/partner-matcher.ts)
// find the organisations a coordinator actually teamed up with, from collaboration history alone?
//
//   npx tsx bench/h2020-partners.ts
//
// Data: ../shared/data/h2020 (CORDIS participations of projects that started up to 2018, programme
// areas, organisation names). Projects from 2019 on are not in the data, so the split is made inside it:
//   learning   = projects that started in 2014-2016: stored (organisations and projects through
//                importNdjson, so project_participants is filled as in production) and indexed;
//   validation = projects that started in 2017-2018 with at least one organisation besides the
//                coordinator, a known programme area, and a coordinator that took part (any role) in a
//                learning project. The seeker is the coordinator; the truth is every other organisation
//                of the validation project (participants, partners, a second coordinator).
// Organisations that never appear in the learning period cannot be recommended by any method (they
// are not in the store): they stay in the truth, so Recall@10 and nDCG@10 count them as misses. The
// "ceiling" row shows the best any ranking of learning-period organisations could score.
// A project listed under several programme areas gets the most specific one (a societal challenge or
// FET/RI/SEWP/SWAFS/Euratom before LEIT, LEIT before "Innovation in SMEs", which cross-lists SME
// instrument topics of the thematic areas).
//
// Metrics: Recall@10 = |top 10 ∩ truth| / |truth|; nDCG@10 with binary relevance and the ideal DCG over
// min(10, |truth|) relevant results; both averaged over validation projects.
//
// Methods, each through the real matcher on every evaluated project:
//   defaults      the hand-set weights (DEFAULT_WEIGHTS, the cold start);
//   trained       the weights `npm run ranker:train` learns from this store (trainPartnerRanker): its
//                 own time split inside the learning years (the consortia of the projects that started
//                 in the last 12 months of 2016 as outcomes of the history before them). The validation
//                 years are never seen by the trainer, so both halves are held out for it.
// Baselines (in memory, same queries): programme popularity, the coordinator's past co-participants
// (most shared projects first), and co-participants filled with programme popularity.
// A diagnostic row (not a method) fits the same trainer on the defaults' pools of the tune half
// (even rcn) of the validation projects and re-scores the held-out half: how far these features go
// when the training data is the evaluation period itself. The defaults' pools are also re-scored with
// the trained weights to check that re-scoring reproduces the matcher's order (sameTop10AsRescoring).
//
// Environment: BENCH_MAX_QUERIES caps the validation projects (default: all 3,261 eligible, about 15
// minutes on 2 idle cores, 20 on a busy machine; N: a deterministic sample, the first N by a hash of the
// rcn, e.g. 2000 in about 10 minutes), SHARED_DATA_DIR, TEST_DATABASE_URL (when set, a fresh database on that Postgres
// server is created and dropped instead of the default embedded PGlite store; not faster here: the
// matcher's graph queries are CPU-bound on the same 2 cores), BENCH_CONCURRENCY (matches in flight with
// a Postgres server, default 4; PGlite is one connection), BENCH_INDEX (embedded, the default, or
// elasticsearch at ELASTICSEARCH_URL, default http://127.0.0.1:9200: results go to
// bench/results/h2020-partners-elasticsearch.json), BENCH_DUMP_POOLS (a file: every evaluated
// project's pool, one JSON line each: candidate, relevance, shared projects, feature values).
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { freshDatabase } from './lib/database.ts'
import { createStore } from '../src/store/create-store.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import type { Database } from '../src/store/schema.ts'
import type { Store } from '../src/ports/store.ts'
import { importNdjson } from '../src/records/bulk-import.ts'
import { RecordRepository } from '../src/records/record-repository.ts'
import { VectorCache } from '../src/records/vector-cache.ts'
import { reindexAll } from '../src/pipeline/reindex.ts'
import { EmbeddedIndex } from '../src/search/embedded/embedded-index.ts'
import { ElasticsearchIndex } from '../src/search/elasticsearch/elasticsearch-index.ts'
import type { SearchIndex } from '../src/ports/search-index.ts'
import { TransformersEmbedder } from '../src/embedding/transformers-embedder.ts'
import { PartnerMatcher, type PartnerResult } from '../src/match/partner-matcher.ts'
import { CollaborationGraph } from '../src/match/collaboration-graph.ts'
import { seekerFromRecord } from '../src/match/seeker.ts'
import { DEFAULT_WEIGHTS, FEATURES, type Feature, type Weights } from '../src/match/features.ts'
import { report } from './lib/report.ts'
import { trainPartnerRanker } from '../src/match/ranker/train-partner-ranker.ts'
import { fitPairwise } from '../src/match/ranker/pairwise-logistic.ts'
import { readCsv as readCsvFile } from '../fixtures/lib/csv.ts'

const DATA = join(process.env.SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'), 'h2020')
const MAX_QUERIES = Number(process.env.BENCH_MAX_QUERIES ?? 0) > 0 ? Number(process.env.BENCH_MAX_QUERIES) : Infinity
const DATABASE_URL = process.env.TEST_DATABASE_URL
/** The search index the matcher retrieves from: embedded (default) or elasticsearch (BENCH_INDEX). */
const BACKEND = process.env.BENCH_INDEX === 'elasticsearch' ? 'elasticsearch' : 'embedded'
const ES_URL = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const CONCURRENCY = DATABASE_URL ? Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 4)) : 1
const K = 10
const LEARN_YEARS = [2014, 2015, 2016]
const VALIDATION_YEARS = [2017, 2018]

const KIND_OF_TYPE: Record<string, string> = { HES: 'university', PRC: 'company', REC: 'research_centre', PUB: 'public_body', OTH: 'other' }
const COUNTRY_FIX: Record<string, string> = { UK: 'GB', EL: 'GR' }
/** Most specific first: the area a project listed under several is assigned to. */
const AREA_PRIORITY = ['SC1', 'SC2', 'SC3', 'SC4', 'SC5', 'SC6', 'SC7', 'FET', 'RI', 'SEWP', 'SWAFS', 'Euratom', 'ARF', 'LEIT', 'ERC', 'MSCA', 'Innovation in SMEs']

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`)
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits
const orgId = (pic: string) => `pic-${pic}`
const projectId = (rcn: string) => `h2020-${rcn}`

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180: quoted fields, doubled quotes, separators and newlines inside quotes)

/** A CSV table of the Horizon 2020 data (gzipped or not), one object per row keyed by the header. */
async function readCsv (name: string): Promise<Array<Record<string, string>>> {
  return readCsvFile(join(DATA, name))
}

// ---------------------------------------------------------------------------------------------
// Data

interface Member { pic: string, role: 'coordinator' | 'participant' | 'partner' }
interface ProjectRow { rcn: string, year: number, start?: string, end?: string, programme?: string, members: Member[] }
interface OrgRow { pic: string, type: string, country: string }

interface Query {
  rcn: string
  project: ProjectRow
  coordinator: string
  /** Ids (`pic-…`) of the other organisations of the project. */
  truth: Set<string>
  /** How many of them appear in the learning period. */
  seenInTruth: number
  half: 'tune' | 'held-out'
}

const isDate = (s: string | undefined): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s)

async function loadData () {
  const [participations, parts, namesA, namesB] = await Promise.all([
    readCsv('participations_until_2018.csv.gz'), readCsv('programme_parts.csv.gz'), readCsv('orgs_names_a.csv'), readCsv('orgs_names_b.csv')
  ])
  const areas = new Map<string, string[]>()
  for (const p of parts) {
    const list = areas.get(p.rcn as string) ?? []
    if (p.programme_part && !list.includes(p.programme_part)) list.push(p.programme_part)
    areas.set(p.rcn as string, list)
  }
  const areaOf = (rcn: string): string | undefined => {
    const list = areas.get(rcn) ?? []
    return [...list].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1))[0]
  }
  const rank = (a: string) => { const i = AREA_PRIORITY.indexOf(a); return i < 0 ? AREA_PRIORITY.length : i }

  const names = new Map<string, string>()
  for (const r of namesB) if (r.pic && r.name?.trim()) names.set(r.pic, r.name)
  for (const r of namesA) if (r.orgId && r.name?.trim()) names.set(r.orgId, r.name) // source a first, b for the rest

  const projects = new Map<string, ProjectRow>()
  const orgs = new Map<string, OrgRow>()
  for (const r of participations) {
    const rcn = r.rcn as string
    let p = projects.get(rcn)
    if (!p) {
      p = { rcn, year: Number(r.start_year), members: [] }
      if (isDate(r.start_date)) p.start = r.start_date
      if (isDate(r.end_date)) p.end = r.end_date
      const area = areaOf(rcn)
      if (area) p.programme = area
      projects.set(rcn, p)
    }
    const pic = r.pic as string
    if (!p.members.some((m) => m.pic === pic)) p.members.push({ pic, role: r.role as Member['role'] })
    if (!orgs.has(pic)) orgs.set(pic, { pic, type: r.type as string, country: r.country as string })
  }
  return { projects, orgs, names, participations: participations.length, multiArea: [...areas.values()].filter((l) => l.length > 1).length }
}

/** A fixed pseudo-random order of rcns (for BENCH_MAX_QUERIES samples), independent of file order. */
const sampleKey = (rcn: string) => createHash('sha256').update(`h2020-partners:${rcn}`).digest('hex')

function buildQueries (projects: Map<string, ProjectRow>, seen: Set<string>) {
  const skipped = { noOtherMember: 0, noProgramme: 0, coordinatorUnseen: 0, noCoordinator: 0 }
  const queries: Query[] = []
  for (const p of projects.values()) {
    if (!VALIDATION_YEARS.includes(p.year)) continue
    const coordinators = p.members.filter((m) => m.role === 'coordinator').map((m) => m.pic)
    if (coordinators.length === 0) { skipped.noCoordinator++; continue }
    if (p.members.length < 2) { skipped.noOtherMember++; continue }
    const known = coordinators.filter((c) => seen.has(c)).sort((a, b) => Number(a) - Number(b))
    if (known.length === 0) { skipped.coordinatorUnseen++; continue }
    if (!p.programme) { skipped.noProgramme++; continue }
    const coordinator = known[0] as string
    const others = p.members.filter((m) => m.pic !== coordinator).map((m) => m.pic)
    queries.push({
      rcn: p.rcn,
      project: p,
      coordinator,
      truth: new Set(others.map(orgId)),
      seenInTruth: others.filter((o) => seen.has(o)).length,
      half: Number(p.rcn) % 2 === 0 ? 'tune' : 'held-out'
    })
  }
  queries.sort((a, b) => (sampleKey(a.rcn) < sampleKey(b.rcn) ? -1 : 1))
  const eligible = queries.length
  const chosen = queries.slice(0, Math.min(queries.length, MAX_QUERIES))
  chosen.sort((a, b) => Number(a.rcn) - Number(b.rcn))
  return { queries: chosen, eligible, skipped }
}

// ---------------------------------------------------------------------------------------------
// Metrics

function recallAt (ranked: readonly string[], truth: ReadonlySet<string>, k = K): number {
  if (truth.size === 0) return 0
  let found = 0
  for (const id of ranked.slice(0, k)) if (truth.has(id)) found++
  return found / truth.size
}

function ndcgAt (ranked: readonly string[], truth: ReadonlySet<string>, k = K): number {
  let dcg = 0
  ranked.slice(0, k).forEach((id, i) => { if (truth.has(id)) dcg += 1 / Math.log2(i + 2) })
  let idcg = 0
  for (let i = 0; i < Math.min(k, truth.size); i++) idcg += 1 / Math.log2(i + 2)
  return idcg > 0 ? dcg / idcg : 0
}

const mean = (xs: readonly number[]) => xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : 0
const stderr = (xs: readonly number[]) => {
  if (xs.length < 2) return 0
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length)
}

interface Scores { recall: number[], ndcg: number[] }
type Ranking = (q: Query) => string[]

/** Per-query metrics of one method over a list of queries, given each query's top-K ids. */
function evaluate (queries: readonly Query[], ranked: ReadonlyMap<string, readonly string[]>): Scores {
  const out: Scores = { recall: [], ndcg: [] }
  for (const q of queries) {
    const list = ranked.get(q.rcn) ?? []
    out.recall.push(recallAt(list, q.truth))
    out.ndcg.push(ndcgAt(list, q.truth))
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Baselines (computed from the learning projects in memory, on the same queries)

function baselines (learning: readonly ProjectRow[]) {
  const overall = new Map<string, number>()
  const byArea = new Map<string, Map<string, number>>()
  const together = new Map<string, Map<string, number>>()
  const bump = (m: Map<string, number>, k: string, by = 1) => m.set(k, (m.get(k) ?? 0) + by)
  for (const p of learning) {
    const area = p.programme ?? ''
    let counts = byArea.get(area)
    if (!counts) byArea.set(area, counts = new Map())
    for (const m of p.members) {
      bump(overall, m.pic)
      bump(counts, m.pic)
      let mine = together.get(m.pic)
      if (!mine) together.set(m.pic, mine = new Map())
      for (const o of p.members) if (o.pic !== m.pic) bump(mine, o.pic)
    }
  }
  const areaRankings = new Map<string, string[]>()
  const popularityIn = (area: string): string[] => {
    let list = areaRankings.get(area)
    if (!list) {
      const counts = byArea.get(area) ?? new Map<string, number>()
      list = [...counts.keys()].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (overall.get(b) ?? 0) - (overall.get(a) ?? 0) || (a < b ? -1 : 1))
      areaRankings.set(area, list)
    }
    return list
  }
  const popularity: Ranking = (q) => popularityIn(q.project.programme ?? '').filter((pic) => pic !== q.coordinator).slice(0, K).map(orgId)
  const coParticipants: Ranking = (q) => {
    const shared = together.get(q.coordinator) ?? new Map<string, number>()
    const area = byArea.get(q.project.programme ?? '') ?? new Map<string, number>()
    return [...shared.keys()]
      .sort((a, b) => (shared.get(b) ?? 0) - (shared.get(a) ?? 0) || (area.get(b) ?? 0) - (area.get(a) ?? 0) || (overall.get(b) ?? 0) - (overall.get(a) ?? 0) || (a < b ? -1 : 1))
      .slice(0, K).map(orgId)
  }
  const coThenPopularity: Ranking = (q) => {
    const list = coParticipants(q)
    for (const id of popularity(q)) {
      if (list.length >= K) break
      if (!list.includes(id)) list.push(id)
    }
    return list
  }
  return { popularity, coParticipants, coThenPopularity, together }
}

// ---------------------------------------------------------------------------------------------
// Store and index

async function openStore (): Promise<{ store: Store<Database>, where: string, cleanup: () => Promise<void> }> {
  if (DATABASE_URL) {
    const db = await freshDatabase('h2020')
    const store = await createStore<Database>({ databaseUrl: db.url, dataDir: tmpdir(), poolSize: CONCURRENCY + 2 })
    return {
      store,
      where: `postgres (fresh database ${new URL(db.url).pathname.slice(1)}, dropped afterwards)`,
      cleanup: async () => {
        await store.close()
        await db.drop()
      }
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'h2020-partners-'))
  const store = await createStore<Database>({ dataDir: dir })
  return {
    store,
    where: 'pglite (temporary folder, removed afterwards)',
    cleanup: async () => {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

function ndjsonLines (orgs: readonly OrgRow[], names: ReadonlyMap<string, string>, learning: readonly ProjectRow[]): string[] {
  const lines: string[] = []
  for (const o of orgs) {
    const kind = KIND_OF_TYPE[o.type]
    if (!kind) throw new Error(`organisation ${o.pic}: unknown type "${o.type}"`)
    const country = COUNTRY_FIX[o.country] ?? o.country
    // No name in either source: the bare PIC, a token no other name shares (a made-up word such as
    // "Organisation" would make every unnamed organisation a lexical match of every other).
    const name = (names.get(o.pic) ?? o.pic).replace(/\s+/g, ' ').trim().slice(0, 500) || o.pic
    lines.push(JSON.stringify({ op: 'upsert', kind: 'organizations', id: orgId(o.pic), record: { name, kind, country, version: 1 } }))
  }
  for (const p of learning) {
    const record: Record<string, unknown> = {
      title: `H2020 project ${p.rcn}`,
      ...(p.programme ? { programme: p.programme } : {}),
      ...(p.start ? { start: p.start } : {}),
      ...(p.end ? { end: p.end } : {}),
      participants: p.members.map((m) => ({ organizationId: orgId(m.pic), role: m.role })),
      version: 1
    }
    lines.push(JSON.stringify({ op: 'upsert', kind: 'projects', id: projectId(p.rcn), record }))
  }
  return lines
}

// ---------------------------------------------------------------------------------------------
// Matcher runs

type FeatureValues = Record<Feature, number>
/** A pooled candidate: its feature values and the number of projects it shared with the seeker. */
interface Candidate { id: string, values: FeatureValues, pastProjects: number }

const FEATURE_NAMES = Object.keys(FEATURES) as Feature[]

function valuesOf (r: PartnerResult): FeatureValues {
  const v = {} as FeatureValues
  for (const f of FEATURE_NAMES) v[f] = r.features?.[f]?.value ?? 0
  return v
}

/** A candidate pool ready for fast re-scoring: ids in code-unit order, the values of the features not zero everywhere. */
interface PackedPool { ids: string[], features: number[], values: Float64Array }

function pack (pool: readonly Candidate[]): PackedPool {
  const sorted = [...pool].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  // A feature that is 0 for every candidate adds exactly 0 to every score: leave it out.
  const features = FEATURE_NAMES.map((f, j) => [f, j] as const).filter(([f]) => sorted.some((c) => c.values[f] !== 0)).map(([, j]) => j)
  const values = new Float64Array(sorted.length * features.length)
  sorted.forEach((c, i) => features.forEach((j, n) => { values[i * features.length + n] = c.values[FEATURE_NAMES[j] as Feature] }))
  return { ids: sorted.map((c) => c.id), features, values }
}

/**
 * The matcher's own ordering rule over stored feature values: score = Σ weight × value rounded to 4
 * decimals, higher first, equal scores by id. Keeps the best k in one pass (the pool is in id order,
 * so an earlier candidate wins a tie).
 */
function rescore (pool: PackedPool, w: Weights, k = K): string[] {
  const nf = pool.features.length
  const weights = pool.features.map((j) => w[FEATURE_NAMES[j] as Feature])
  const topScore: number[] = []
  const topIndex: number[] = []
  for (let i = 0; i < pool.ids.length; i++) {
    let s = 0
    for (let j = 0; j < nf; j++) s += (pool.values[i * nf + j] as number) * (weights[j] as number)
    s = round(s)
    if (topScore.length === k && s <= (topScore[k - 1] as number)) continue
    let at = topScore.length
    while (at > 0 && s > (topScore[at - 1] as number)) at--
    topScore.splice(at, 0, s)
    topIndex.splice(at, 0, i)
    if (topScore.length > k) { topScore.pop(); topIndex.pop() }
  }
  return topIndex.map((i) => pool.ids[i] as string)
}

async function inParallel<T> (items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i] as T, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

// ---------------------------------------------------------------------------------------------

async function main (): Promise<void> {
  const started = performance.now()
  const phases: Record<string, number> = {}
  const phase = (name: string, since: number) => { phases[name] = Math.round(performance.now() - since) }

  let t = performance.now()
  const { projects, orgs, names, participations, multiArea } = await loadData()
  const learning = [...projects.values()].filter((p) => LEARN_YEARS.includes(p.year)).sort((a, b) => Number(a.rcn) - Number(b.rcn))
  const seen = new Set(learning.flatMap((p) => p.members.map((m) => m.pic)))
  const learningOrgs = [...seen].sort().map((pic) => orgs.get(pic) as OrgRow)
  const { queries, eligible, skipped } = buildQueries(projects, seen)
  const named = learningOrgs.filter((o) => names.has(o.pic)).length
  phase('loadCsv', t)
  log(`${participations} participations, ${projects.size} projects; learning ${learning.length} projects (${LEARN_YEARS.join(', ')}), ${learningOrgs.length} organisations (${named} named); ` +
    `${eligible} eligible validation projects, ${queries.length} evaluated`)

  const { store, where, cleanup } = await openStore()
  const cleanups: Array<() => Promise<void>> = []
  try {
    const db = store.db
    t = performance.now()
    await migrateToLatest(db)
    const lines = ndjsonLines(learningOrgs, names, learning)
    const imported = await importNdjson(db, Readable.from(lines.map((l) => l + '\n')))
    if (imported.failed > 0) throw new Error(`import: ${imported.failed} bad lines, first: ${JSON.stringify(imported.errors[0])}`)
    phase('import', t)
    log(`imported ${imported.created} records into ${where} in ${imported.durationMs} ms`)

    t = performance.now()
    const es = BACKEND === 'elasticsearch' ? new ElasticsearchIndex({ url: ES_URL, prefix: `bench-h2020-${process.pid}-` }) : null
    if (es) {
      await es.client.indices.delete({ index: `bench-h2020-${process.pid}-*` }).catch(() => {})
      await es.ensureIndices()
    }
    const index: SearchIndex = es ?? new EmbeddedIndex()
    const cache = new VectorCache(db)
    const embedder = new TransformersEmbedder()
    embedder.disable('no model: these records have no competency text')
    const indexed = await reindexAll({ db, embedder, cache, target: index, kinds: ['organizations', 'projects'] })
    if (es) await es.refresh()
    phase('reindex', t)
    log(`indexed ${indexed.documents} documents (no vectors) into the ${BACKEND} index in ${indexed.ms} ms`)
    if (es) cleanups.push(async () => { await es.client.indices.delete({ index: `bench-h2020-${process.pid}-*` }).catch(() => {}); await es.close() })
    const participantRows = await db.selectFrom('project_participants').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst()

    const repo = new RecordRepository(db)
    const graph = new CollaborationGraph(db)
    await graph.reload()
    const base = baselines(learning)

    // The trained ranker, as `npm run ranker:train` trains it: from the store alone (the learning
    // years), its own time split inside them; never from the validation years.
    t = performance.now()
    const training = await trainPartnerRanker({ db, index, cache, model: null, graph, prior: { ...DEFAULT_WEIGHTS }, log: (m) => log(`trainer: ${m}`) })
    phase('train', t)
    log(`trainer: ${JSON.stringify(training.report.data)}; validation ${JSON.stringify(training.report.validation)}`)
    const variants: Array<{ name: string, weights: Weights, why: string }> = [
      { name: 'matcher: defaults', weights: { ...DEFAULT_WEIGHTS }, why: 'DEFAULT_WEIGHTS (the cold start)' },
      { name: 'matcher: trained ranker', weights: training.weights, why: 'trainPartnerRanker on the store (learning years only), pairwise logistic' }
    ]

    const seekers = new Map<string, Awaited<ReturnType<typeof seekerFromRecord>>>()
    const seekerOf = async (q: Query) => {
      let s = seekers.get(q.coordinator)
      if (!s) {
        const stored = await repo.get('organizations', orgId(q.coordinator))
        if (!stored) throw new Error(`coordinator ${q.coordinator} is not in the store`)
        s = await seekerFromRecord('organizations', orgId(q.coordinator), stored.body, null, cache)
        seekers.set(q.coordinator, s)
      }
      return s
    }
    const timings: Record<string, unknown> = {}
    const runMatcher = async (weights: Weights, label: string, on: readonly Query[]) => {
      const matcher = new PartnerMatcher(graph, index, cache, weights)
      const top = new Map<string, string[]>()
      const pools = new Map<string, Candidate[]>()
      const times: number[] = []
      const t0 = performance.now()
      let done = 0
      await inParallel(on, CONCURRENCY, async (q) => {
        const seeker = await seekerOf(q)
        const t1 = performance.now()
        const { results } = await matcher.match({ seeker, mode: 'complementary', filters: {}, excludePastPartners: false, model: null, programme: q.project.programme as string })
        times.push(performance.now() - t1)
        top.set(q.rcn, results.slice(0, K).map((r) => r.id))
        pools.set(q.rcn, results.map((r) => ({ id: r.id, values: valuesOf(r), pastProjects: r.reasons.pastProjects.length })))
        if (++done % 500 === 0) log(`  ${label}: ${done}/${on.length} queries`)
      })
      const ms = performance.now() - t0
      times.sort((a, b) => a - b)
      const timing = { queries: on.length, totalMs: Math.round(ms), meanMs: round(mean(times), 1), p50Ms: round(times[Math.floor(times.length / 2)] ?? 0, 1), p95Ms: round(times[Math.floor(times.length * 0.95)] ?? 0, 1), maxMs: round(times[times.length - 1] ?? 0, 1) }
      timings[label] = timing
      log(`${label}: ${on.length} matches in ${timing.totalMs} ms (mean ${timing.meanMs} ms, p95 ${timing.p95Ms} ms)`)
      return { top, pools }
    }

    const tune = queries.filter((q) => q.half === 'tune')
    const heldOut = queries.filter((q) => q.half === 'held-out')
    /** Each method's top 10 per query, and how it was obtained. */
    const runs = new Map<string, { top: Map<string, readonly string[]>, source: string }>()

    t = performance.now()
    const first = await runMatcher(DEFAULT_WEIGHTS, 'matcher: defaults', queries)
    const pools = first.pools
    phase('matcherDefaults', t)
    runs.set('matcher: defaults', { top: first.top, source: 'matcher' })
    t = performance.now()
    const trainedRun = await runMatcher(training.weights, 'matcher: trained ranker', queries)
    phase('matcherTrained', t)
    runs.set('matcher: trained ranker', { top: trainedRun.top, source: 'matcher' })

    if (process.env.BENCH_DUMP_POOLS) {
      const { writeFileSync } = await import('node:fs')
      writeFileSync(process.env.BENCH_DUMP_POOLS, queries.map((q) => JSON.stringify({ rcn: q.rcn, half: q.half, truth: q.truth.size, pool: (pools.get(q.rcn) ?? []).map((c) => [c.id, q.truth.has(c.id) ? 1 : 0, c.pastProjects, ...FEATURE_NAMES.map((f) => c.values[f])]) })).join('\n'))
    }
    const packed = new Map([...pools].map(([rcn, pool]) => [rcn, pack(pool)]))
    const empty = pack([])
    const rescored = (w: Weights, on: readonly Query[] = queries) => new Map(on.map((q) => [q.rcn, rescore(packed.get(q.rcn) ?? empty, w)]))
    const agreement = (x: ReadonlyMap<string, readonly string[]>, y: ReadonlyMap<string, readonly string[]>) => {
      let same = 0
      for (const [rcn, list] of x) if (list.join(' ') === (y.get(rcn) ?? []).join(' ')) same++
      return `${same}/${x.size}`
    }
    const checks: Record<string, string> = {
      'matcher: defaults': agreement(first.top, rescored(DEFAULT_WEIGHTS)),
      'matcher: trained ranker': agreement(trainedRun.top, rescored(training.weights))
    }
    log(`re-scoring check: ${checks['matcher: defaults']} default top-10 lists reproduced from the returned feature values`)

    // Diagnostic (not a method: it learns from the evaluation years): the same trainer's fit on the
    // tune half of the validation projects, re-scored on the held-out half. How far the features go
    // when the training data is the evaluation period itself.
    const featureIndex = FEATURE_NAMES
    const groupsOf = (on: readonly Query[]) => on.map((q) => (pools.get(q.rcn) ?? []).map((c) => ({ x: featureIndex.map((f) => c.values[f]), label: q.truth.has(c.id) ? 1 : 0, weight: 1 })))
    const inPeriod = fitPairwise(groupsOf(tune), { prior: featureIndex.map((f) => DEFAULT_WEIGHTS[f]) })
    const inPeriodWeights = Object.fromEntries(featureIndex.map((f, j) => [f, inPeriod.weights[j] as number])) as Weights
    const inPeriodName = 'diagnostic: fitted on the validation tune half (re-scored)'
    runs.set(inPeriodName, { top: rescored(inPeriodWeights), source: 'in-period fit, re-scored; compare on held-out' })
    variants.push({ name: inPeriodName, weights: inPeriodWeights, why: 'fitPairwise on the defaults\' pools of the tune half of 2017-2018: an upper reference for these features, not a method' })

    // Baselines and the ceiling, on the same queries.
    const baseRuns: Array<[string, Ranking]> = [
      ['baseline: programme popularity', base.popularity],
      ['baseline: coordinator co-participants', base.coParticipants],
      ['baseline: co-participants, then popularity', base.coThenPopularity]
    ]
    for (const [name, fn] of baseRuns) runs.set(name, { top: new Map(queries.map((q) => [q.rcn, fn(q)])), source: 'in memory' })
    // Ceiling (not a method): the truth's learning-period organisations first; nothing else can be recommended.
    runs.set('ceiling: seen truth first', { top: new Map(queries.map((q) => [q.rcn, [...q.truth].filter((id) => seen.has(id.slice(4))).slice(0, K)])), source: 'oracle' })

    const rows: Array<Record<string, string | number>> = []
    const perMethod: Record<string, unknown> = {}
    const coAll = evaluate(queries, runs.get('baseline: coordinator co-participants')?.top ?? new Map())
    // Paired differences on the held-out half (where the tuned weights ran through the real matcher).
    const pairedBase = {
      defaults: evaluate(heldOut, runs.get('matcher: defaults')?.top ?? new Map()),
      coParticipants: evaluate(heldOut, runs.get('baseline: coordinator co-participants')?.top ?? new Map()),
      coThenPopularity: evaluate(heldOut, runs.get('baseline: co-participants, then popularity')?.top ?? new Map())
    }
    const paired = (a: Scores, b: Scores) => {
      const d = a.ndcg.map((x, i) => x - (b.ndcg[i] as number))
      const r = a.recall.map((x, i) => x - (b.recall[i] as number))
      return { nDCG: `${round(mean(d))} ± ${round(stderr(d))}`, recall: `${round(mean(r))} ± ${round(stderr(r))}` }
    }
    for (const [name, { top: ranked, source }] of runs) {
      const all = evaluate(queries, ranked)
      const held = evaluate(heldOut, ranked)
      const tn = evaluate(tune, ranked)
      const diff = all.ndcg.map((x, i) => x - (coAll.ndcg[i] as number))
      rows.push({
        method: name,
        source,
        queries: queries.length,
        'R@10': round(mean(all.recall)),
        'nDCG@10': round(mean(all.ndcg)),
        '±se': round(stderr(all.ndcg)),
        'R@10 held-out': round(mean(held.recall)),
        'nDCG@10 held-out': round(mean(held.ndcg)),
        'R@10 tune': round(mean(tn.recall)),
        'nDCG@10 tune': round(mean(tn.ndcg))
      })
      perMethod[name] = {
        weights: variants.find((v) => v.name === name)?.weights,
        source,
        sameTop10AsRescoring: checks[name],
        nDCGvsCoParticipants: { meanDiff: round(mean(diff)), stderr: round(stderr(diff)) },
        heldOutPairedDiff: { vsDefaults: paired(held, pairedBase.defaults), vsCoParticipants: paired(held, pairedBase.coParticipants), vsCoThenPopularity: paired(held, pairedBase.coThenPopularity) },
        queriesWithHit: all.recall.filter((r) => r > 0).length
      }
    }

    // Diagnostics: how much of the truth the matcher's candidate pool holds, and what its features see.
    const poolRecall = mean(queries.map((q) => {
      const ids = new Set((pools.get(q.rcn) ?? []).map((c) => c.id))
      return [...q.truth].filter((id) => ids.has(id)).length / q.truth.size
    }))
    const poolSize = mean(queries.map((q) => pools.get(q.rcn)?.length ?? 0))
    const pastPartnerRecall = mean(queries.map((q) => {
      const past = base.together.get(q.coordinator) ?? new Map<string, number>()
      return [...q.truth].filter((id) => past.has(id.slice(4))).length / q.truth.size
    }))
    const truthFeatures: Record<string, { truth: number, other: number }> = {}
    for (const f of FEATURE_NAMES) {
      const inTruth: number[] = []
      const other: number[] = []
      for (const q of queries) for (const c of pools.get(q.rcn) ?? []) (q.truth.has(c.id) ? inTruth : other).push(c.values[f])
      truthFeatures[f] = { truth: round(mean(inTruth)), other: round(mean(other)) }
    }
    // What fills the defaults' top 10: slots by kind of evidence, and how often each kind is right.
    const slots: Record<string, { slots: number, hits: number }> = {}
    for (const q of queries) {
      const byId = new Map((pools.get(q.rcn) ?? []).map((c) => [c.id, c]))
      for (const id of first.top.get(q.rcn) ?? []) {
        const v = byId.get(id)?.values
        const kind = !v ? 'unknown' : v.past_partner > 0 ? 'past partner' : v.lexical > 0 ? 'name match, no shared project' : 'other (network, programme)'
        const s = slots[kind] ?? (slots[kind] = { slots: 0, hits: 0 })
        s.slots++
        if (q.truth.has(id)) s.hits++
      }
    }
    const slotShare = Object.fromEntries(Object.entries(slots).map(([k, s]) => [k, { perQuery: round(s.slots / queries.length, 2), precision: round(s.hits / Math.max(1, s.slots)) }]))
    // Saturation of shared_partners (1 at ten or more partners in common) in the pool.
    const allCands = queries.flatMap((q) => pools.get(q.rcn) ?? [])
    const saturated = allCands.filter((c) => c.values.shared_partners >= 1).length / Math.max(1, allCands.length)
    const pastInPool = allCands.filter((c) => c.values.past_partner > 0).length / Math.max(1, queries.length)
    const sameProgramme = allCands.filter((c) => c.values.same_programme > 0).length / Math.max(1, allCands.length)
    // Past partners of the coordinator that are in the truth: how many the pool holds.
    // And all the coordinator's past partners (the network list keeps 100, ranked by 2 × shared projects
    // + partner-of-partner paths), for coordinators with at most 100 of them.
    let pastTruth = 0
    let pastTruthInPool = 0
    let pastAll = 0
    let pastAllInPool = 0
    for (const q of queries) {
      const past = base.together.get(q.coordinator) ?? new Map<string, number>()
      const ids = new Set((pools.get(q.rcn) ?? []).map((c) => c.id))
      for (const id of q.truth) if (past.has(id.slice(4))) { pastTruth++; if (ids.has(id)) pastTruthInPool++ }
      if (past.size <= 100) for (const pic of past.keys()) { pastAll++; if (ids.has(orgId(pic))) pastAllInPool++ }
    }
    const totalMs = Math.round(performance.now() - started)
    await report(BACKEND === 'elasticsearch' ? 'h2020-partners-elasticsearch' : 'h2020-partners', rows, {
      index: BACKEND,
      split: {
        learning: `projects that started in ${LEARN_YEARS.join(', ')}: ${learning.length} projects, ${learningOrgs.length} organisations, ${Number(participantRows?.n ?? 0)} project_participants rows`,
        validation: `projects that started in ${VALIDATION_YEARS.join(', ')} with another organisation besides the coordinator, a programme area and a coordinator seen in the learning period`,
        eligibleQueries: eligible,
        queries: queries.length,
        sample: queries.length < eligible ? `${queries.length} of ${eligible}: the first by sha256 of the rcn (BENCH_MAX_QUERIES=${MAX_QUERIES})` : 'all eligible validation projects',
        skipped,
        tune: `even rcn: ${tune.length} queries`,
        heldOut: `odd rcn: ${heldOut.length} queries`,
        truth: 'every organisation of the validation project except the seeking coordinator; organisations absent from the learning period stay in the truth (no method can recommend them)',
        meanTruthSize: round(mean(queries.map((q) => q.truth.size)), 2),
        shareOfTruthSeenInLearning: round(mean(queries.map((q) => q.seenInTruth / q.truth.size))),
        shareOfTruthPastPartnersOfCoordinator: round(pastPartnerRecall),
        programmeArea: `most specific of the listed areas (${AREA_PRIORITY.join(' > ')}); ${multiArea} rcns list several`
      },
      metrics: 'Recall@10 and nDCG@10 (binary relevance, ideal DCG over min(10, |truth|)), mean over queries; ±se = standard error of the nDCG@10 mean',
      matcherQuery: { mode: 'complementary', filters: {}, excludePastPartners: false, model: null, programme: 'the project\'s programme area' },
      store: where,
      variants: variants.map((v) => ({ name: v.name, weights: v.weights, why: v.why })),
      trainer: training.report,
      perMethod,
      diagnostics: {
        candidatePoolMeanSize: round(poolSize, 1),
        candidatePoolRecall: round(poolRecall),
        pastPartnerTruthInPool: `${pastTruthInPool}/${pastTruth}`,
        pastPartnersInPoolCoordinatorsWithAtMost100: `${pastAllInPool}/${pastAll}`,
        meanFeatureValueInPool: truthFeatures,
        defaultsTop10Slots: slotShare,
        sharedPartnersSaturatedShareOfPool: round(saturated),
        sameProgrammeShareOfPool: round(sameProgramme),
        pastPartnersInPoolPerQuery: round(pastInPool, 2)
      },
      timingMs: { total: totalMs, phases, matcher: timings },
      concurrency: CONCURRENCY
    })
    log(`done in ${Math.round(totalMs / 1000)} s`)
  } finally {
    for (const c of cleanups) await c()
    await cleanup()
  }
}

await main()
