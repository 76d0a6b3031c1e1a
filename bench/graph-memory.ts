// The collaboration graph's memory (issue 32, case 2): the pairwise graph it replaced against the
// compact one (src/match/collaboration-graph.ts), on the issue's attack and on realistic histories,
// and the largest history the default GRAPH_MEMORY_MB holds, read end to end from Postgres.
//
//   npx tsx bench/graph-memory.ts        (about 10 minutes on 2 cores; writes bench/results/graph-memory.json)
//
// Data sets:
//   attack      140 projects × 500 participants, every participant a new organisation (70,000
//               participations, 3.7 MB of JSON): the reproduction of the issue;
//   h2020       the CORDIS Horizon 2020 participations of projects that started up to 2018 (91,341;
//               SHARED_DATA_DIR/h2020, left out when absent), programme area from programme_parts;
//   horizon×k   synthetic Horizon 2020-like histories (fixtures/lib/collaboration-history.ts: the same
//               consortium sizes and hub structure), k × 20,000 projects and k × 27,400 organisations.
// Graphs:
//   pairwise    the graph before issue 32 (test/helpers/pairwise-graph.ts, the code as it was):
//               pairwise partner maps per organisation;
//   compact     the graph now: participations in typed arrays, partners worked out per request.
// Each run is a child process of its own (node --expose-gc), so that its RSS is one graph's: the rows
// are made in memory, the graph built from them (the pairwise graph read all rows at once, as it did),
// the rows dropped, and after two full collections: heap used + array buffers (the typed arrays live
// outside the heap) over the process's baseline, RSS, and the peak RSS (maxRSS, rows included). Then
// 200 seekers (the 50 busiest organisations and 150 drawn at random) ask what a partner match asks:
// network() and signals() for 150 candidates (the 50 busiest and 100 at random), area LEIT; mean ms.
// Those times come from different processes at different moments; for h2020, horizon×1 and horizon×5
// (BENCH_SPEED) both graphs are also built in one process and their queries alternated, three rounds,
// the best round of each reported ("side by side"): the figures to compare speeds by.
// The pairwise runs get a 4 GB heap so that they can be measured; the attack is also run with npm
// start's 1 GB, where the pairwise graph dies.
// The bound: the largest horizon×k whose accounted size fits the default GRAPH_MEMORY_MB (128), written
// to a fresh Postgres database (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
// and read by CollaborationGraph.open in a process with npm start's heap (1,024 MB), as every start
// reads it; horizon×2 more on top must leave the graph off, the process still up.
// Environment: BENCH_SCALES (default 1,5,10,20: the horizon×k measured in memory), BENCH_SKIP_STORE=1
// (no Postgres run), SHARED_DATA_DIR.
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { CollaborationGraph, DEFAULT_GRAPH_MEMORY_MB, type ParticipationRow } from '../src/match/collaboration-graph.ts'
import { createStore } from '../src/store/create-store.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import type { Database } from '../src/store/schema.ts'
import { PairwiseCollaborationGraph } from '../test/helpers/pairwise-graph.ts'
import { syntheticHistory, wideConsortia, type HistoryRow } from '../fixtures/lib/collaboration-history.ts'
import { Rng } from '../fixtures/lib/prng.ts'
import { freshDatabase } from './lib/database.ts'
import { report } from './lib/report.ts'

const DATA = join(process.env.SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'), 'h2020')
const SCALES = (process.env.BENCH_SCALES ?? '1,5,10,20').split(',').filter(Boolean).map(Number)
const PROJECTS_PER_SCALE = 20_000
const ORGS_PER_SCALE = 27_400
const SEEKERS = 200
const CANDIDATES = 150
const AREA = 'LEIT'
const SPEED_ROUNDS = 3
/** The data sets whose speeds are also compared side by side in one process. */
const SPEED_SETS = (process.env.BENCH_SPEED ?? 'h2020,horizon×1,horizon×5').split(',').filter(Boolean)
const MB = 2 ** 20

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`)
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits

type DataSet = 'attack' | 'h2020' | `horizon×${number}`
interface Spec { data: DataSet, graph: 'pairwise' | 'compact' | 'store' | 'both', url?: string }
interface Measured {
  participations: number
  projects: number
  organisations: number
  buildS: number
  accountedMB: number | null
  heapMB: number
  rssMB: number
  peakRssMB: number
  signalsMs: number
  networkMs: number
  state?: string
  reason?: string | null
}

// ---------------------------------------------------------------------------------------------
// The data sets

/**
 * The rows of a data set, their strings flat and of their own as the Postgres driver returns them
 * (a concatenation or a slice of a file's text would keep its parts, or the whole file, alive).
 */
async function rowsOf (data: DataSet, idPrefix = ''): Promise<HistoryRow[]> {
  const rows = data === 'attack'
    ? wideConsortia({ projects: 140, members: 500, idPrefix })
    : data === 'h2020'
      ? await h2020Rows()
      : syntheticHistory({ seed: 'graph-memory', projects: Number(data.slice('horizon×'.length)) * PROJECTS_PER_SCALE, orgs: Number(data.slice('horizon×'.length)) * ORGS_PER_SCALE, idPrefix })
  const flat = (s: string | null) => s === null ? null : Buffer.from(s, 'latin1').toString('latin1')
  return rows.map((r) => ({ project_id: flat(r.project_id) as string, organization_id: flat(r.organization_id) as string, role: r.role, programme: flat(r.programme), start: flat(r.start) }))
}

/** CORDIS participations up to 2018: one row per organisation in a project, its first listed programme area. */
async function h2020Rows (): Promise<HistoryRow[]> {
  const lines = (file: string) => readFile(join(DATA, file)).then((raw) => gunzipSync(raw).toString('utf8').split(/\r?\n/).slice(1).filter(Boolean))
  const areas = new Map<string, string>()
  for (const line of await lines('programme_parts.csv.gz')) {
    const [rcn, area] = line.split(',')
    if (rcn && area && !areas.has(rcn)) areas.set(rcn, area)
  }
  // rcn, role, pic, type, contribution, country, start_date, ...: no quoted field before start_date.
  return (await lines('participations_until_2018.csv.gz')).map((line) => {
    const f = line.split(',')
    const rcn = f[0] as string
    return { project_id: `h2020-${rcn}`, organization_id: `pic-${f[2]}`, role: f[1] as string, programme: areas.get(rcn) ?? null, start: /^\d{4}-\d{2}-\d{2}$/.test(f[6] ?? '') ? f[6] as string : null }
  })
}

async function hasH2020 (): Promise<boolean> {
  return readFile(join(DATA, 'participations_until_2018.csv.gz')).then(() => true, () => false)
}

// ---------------------------------------------------------------------------------------------
// One measurement (the child process)

const gc = (globalThis as { gc?: () => void }).gc
function memory () {
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss }
}

/** Seekers and candidates as a match draws them: the busiest organisations and some at random. */
function askers (rows: readonly HistoryRow[]): { seekers: string[], candidates: string[] } {
  const counts = new Map<string, number>()
  for (const r of rows) counts.set(r.organization_id, (counts.get(r.organization_id) ?? 0) + 1)
  const ids = [...counts.keys()]
  const busiest = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 50).map(([id]) => id)
  const rng = Rng.of('graph-memory-askers')
  return { seekers: [...busiest, ...rng.sample(ids, SEEKERS - 50)], candidates: [...busiest, ...rng.sample(ids, CANDIDATES - 50)] }
}

interface Answers {
  network (seeker: string, limits: { partners: number, total: number, programme?: string }): unknown
  signals (seeker: string | null, candidates: readonly string[], programme?: string): unknown
}

function timeQueries (graph: Answers, seekers: readonly string[], candidates: readonly string[]): { signalsMs: number, networkMs: number } {
  let signals = 0
  let network = 0
  for (const seeker of seekers) {
    let t = performance.now()
    graph.network(seeker, { partners: 200, total: 50, programme: AREA })
    network += performance.now() - t
    t = performance.now()
    graph.signals(seeker, candidates, AREA)
    signals += performance.now() - t
  }
  return { signalsMs: round(signals / seekers.length, 3), networkMs: round(network / seekers.length, 3) }
}

/** The graph of a data set, built from its rows (gone when this returns), and who asks it. */
async function build (spec: Spec) {
  const rows = await rowsOf(spec.data)
  const participations = rows.length
  const projects = new Set(rows.map((r) => r.project_id)).size
  const organisations = new Set(rows.map((r) => r.organization_id)).size
  const { seekers, candidates } = askers(rows)
  const started = performance.now()
  let graph: Answers
  let accountedMB: number | null = null
  if (spec.graph === 'pairwise') {
    const pairwise = new PairwiseCollaborationGraph()
    pairwise.fill(rows as readonly ParticipationRow[])
    graph = pairwise
  } else {
    const compact = CollaborationGraph.fromRows(null as never, rows)
    accountedMB = round(compact.bytes / MB)
    graph = compact
  }
  return { graph, participations, projects, organisations, seekers, candidates, accountedMB, buildS: round((performance.now() - started) / 1000, 2) }
}

/** Both graphs over the same rows in one process, their queries alternated (SPEED_ROUNDS rounds each): the speeds compared side by side. */
async function speed (spec: Spec): Promise<Record<'pairwise' | 'compact', { signalsMs: number, networkMs: number }>> {
  const rows = await rowsOf(spec.data)
  const { seekers, candidates } = askers(rows)
  const pairwise = new PairwiseCollaborationGraph()
  pairwise.fill(rows as readonly ParticipationRow[])
  const compact = CollaborationGraph.fromRows(null as never, rows)
  const runs = { pairwise: [] as Array<{ signalsMs: number, networkMs: number }>, compact: [] as Array<{ signalsMs: number, networkMs: number }> }
  for (let round = 0; round < SPEED_ROUNDS; round++) {
    runs.pairwise.push(timeQueries(pairwise, seekers, candidates))
    runs.compact.push(timeQueries(compact, seekers, candidates))
  }
  // The best round of each: the machine is shared, and a slow round is the machine's, not the graph's.
  const best = (list: Array<{ signalsMs: number, networkMs: number }>) => ({ signalsMs: Math.min(...list.map((r) => r.signalsMs)), networkMs: Math.min(...list.map((r) => r.networkMs)) })
  return { pairwise: best(runs.pairwise), compact: best(runs.compact) }
}

async function measure (spec: Spec): Promise<Measured> {
  const base = memory()
  if (spec.graph === 'store') {
    const store = await createStore<Database>({ databaseUrl: spec.url as string, dataDir: '.data' })
    const started = performance.now()
    const graph = await CollaborationGraph.open(store)
    await graph.settled()
    const buildS = round((performance.now() - started) / 1000, 2)
    const after = memory()
    const usage = graph.usage()
    const sample = await sql<HistoryRow>`select project_id, organization_id from project_participants tablesample system (2)`.execute(store.db)
    const { seekers, candidates } = askers(sample.rows)
    const times = timeQueries(graph, seekers, candidates)
    await graph.close()
    await store.close()
    return { participations: usage.participations, projects: usage.projects, organisations: usage.organisations, buildS, accountedMB: usage.megabytes, heapMB: round((after.heap - base.heap) / MB), rssMB: round(after.rss / MB), peakRssMB: round(process.resourceUsage().maxRSS / 1024), ...times, state: usage.state, reason: usage.reason }
  }
  // Rows made and dropped inside build(): an async function keeps what it awaited alive until it returns.
  const built = await build(spec)
  const after = memory()
  const { graph, participations, projects, organisations, seekers, candidates, buildS, accountedMB } = built
  const times = timeQueries(graph, seekers, candidates)
  return { participations, projects, organisations, buildS, accountedMB, heapMB: round((after.heap - base.heap) / MB), rssMB: round(after.rss / MB), peakRssMB: round(process.resourceUsage().maxRSS / 1024), ...times }
}

// ---------------------------------------------------------------------------------------------
// The runs (the parent process)

interface Run { spec: Spec, heapMb: number, env?: Record<string, string> }

function runChild<T = Measured> ({ spec, heapMb, env }: Run): Promise<T | { died: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', `--max-old-space-size=${heapMb}`, '--import', 'tsx', new URL(import.meta.url).pathname, '--child', JSON.stringify(spec)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.on('exit', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? ''
      if (code === 0 && last.startsWith('{')) return resolve(JSON.parse(last) as T)
      const oom = /heap out of memory|Reached heap limit/.exec(err)
      resolve({ died: oom ? `died: JavaScript heap out of memory (${heapMb} MB heap)` : `died: exit ${code ?? signal}: ${err.trim().split('\n').slice(-3).join(' ')}` })
    })
  })
}

async function insertRows (url: string, rows: readonly HistoryRow[]): Promise<void> {
  const store = await createStore<Database>({ databaseUrl: url, dataDir: '.data' })
  try {
    await migrateToLatest(store.db)
    for (let i = 0; i < rows.length; i += 20_000) {
      await sql`insert into project_participants (project_id, organization_id, role, programme, start)
        select project_id, organization_id, role, programme, start
        from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + 20_000))}::jsonb) as x(project_id text, organization_id text, role text, programme text, start text)
        on conflict do nothing`.execute(store.db)
    }
  } finally {
    await store.close()
  }
}

async function main (): Promise<void> {
  const started = performance.now()
  const results: Array<Record<string, string | number>> = []
  const record = (run: Run, label: string, m: Measured | { died: string }) => {
    const row: Record<string, string | number> = { data: label, graph: run.spec.graph === 'store' ? 'compact, read from Postgres' : run.spec.graph, heapLimitMB: run.heapMb }
    if ('died' in m) row.outcome = m.died
    else Object.assign(row, m, { accountedMB: m.accountedMB ?? '', outcome: m.state ? `${m.state}${m.reason ? `: ${m.reason}` : ''}` : 'built' })
    results.push(row)
    log(`${label}, ${row.graph} (heap ${run.heapMb} MB): ${'died' in m ? m.died : `${m.participations} participations, heap ${m.heapMB} MB, RSS ${m.rssMB} MB, peak RSS ${m.peakRssMB} MB, built in ${m.buildS} s, signals ${m.signalsMs} ms, network ${m.networkMs} ms`}`)
  }
  const sets: DataSet[] = ['attack', ...(await hasH2020() ? ['h2020' as const] : []), ...SCALES.map((k) => `horizon×${k}` as const)]
  for (const data of sets) {
    const runs: Run[] = [
      ...(data === 'attack' ? [{ spec: { data, graph: 'pairwise' as const }, heapMb: 1024 }] : []),
      { spec: { data, graph: 'pairwise' }, heapMb: 4096 },
      { spec: { data, graph: 'compact' }, heapMb: 1024 }
    ]
    for (const run of runs) record(run, data, await runChild(run))
  }

  // Speed side by side: both graphs in one process, alternated.
  for (const data of sets.filter((d) => SPEED_SETS.includes(d))) {
    const run: Run = { spec: { data, graph: 'both' }, heapMb: 4096 }
    const m = await runChild<Awaited<ReturnType<typeof speed>>>(run)
    for (const graph of ['pairwise', 'compact'] as const) {
      const row: Record<string, string | number> = { data, graph: `${graph}, side by side`, heapLimitMB: run.heapMb, outcome: 'died' in m ? m.died : `best of ${SPEED_ROUNDS} alternated rounds` }
      if (!('died' in m)) Object.assign(row, m[graph])
      results.push(row)
      log(`${data}, ${row.graph}: ${'died' in m ? m.died : `signals ${m[graph].signalsMs} ms, network ${m[graph].networkMs} ms`}`)
    }
  }

  // The bound: the largest horizon×k that fits GRAPH_MEMORY_MB by the compact graph's accounting,
  // read from Postgres as a start reads it; then horizon×2 more on top.
  let bound: Record<string, unknown> | null = null
  if (!process.env.BENCH_SKIP_STORE) {
    const compact = results.filter((r) => r.graph === 'compact' && String(r.data).startsWith('horizon×') && typeof r.accountedMB === 'number')
    const perProject = compact.reduce((s, r) => s + (r.accountedMB as number) / (Number(String(r.data).slice('horizon×'.length)) * PROJECTS_PER_SCALE), 0) / Math.max(1, compact.length)
    const k = Math.max(1, Math.floor(DEFAULT_GRAPH_MEMORY_MB * 0.97 / (perProject * PROJECTS_PER_SCALE)))
    const data: DataSet = `horizon×${k}`
    log(`the bound: about ${round(perProject * 1e6, 0)} MB a million projects: ${data} should fit ${DEFAULT_GRAPH_MEMORY_MB} MB`)
    const db = await freshDatabase('graph_memory')
    try {
      let rows: HistoryRow[] | null = await rowsOf(data)
      await insertRows(db.url, rows)
      rows = null
      const fits: Run = { spec: { data, graph: 'store', url: db.url }, heapMb: 1024 }
      const m = await runChild(fits)
      record(fits, data, m)
      await insertRows(db.url, await rowsOf('horizon×2', 'more-'))
      const over: Run = { spec: { data: `horizon×${k + 2}`, graph: 'store', url: db.url }, heapMb: 1024 }
      const o = await runChild(over)
      record(over, `horizon×${k} + horizon×2`, o)
      bound = { data, graphMemoryMB: DEFAULT_GRAPH_MEMORY_MB, fits: m, twoMore: o }
    } finally {
      await db.drop()
    }
  }
  await report('graph-memory', results, {
    what: 'collaboration graph memory: the pairwise graph before issue 32 against the compact graph; heap = heap used + array buffers over the process baseline after two full GCs; accountedMB = the compact graph\'s own accounting (GRAPH_MEMORY_MB is checked against it); signalsMs / networkMs = mean per seeker (200 seekers, 150 candidates, area LEIT)',
    bound,
    durationS: round((performance.now() - started) / 1000, 0)
  }, ['data', 'graph', 'heapLimitMB', 'participations', 'buildS', 'accountedMB', 'heapMB', 'rssMB', 'peakRssMB', 'signalsMs', 'networkMs', 'outcome'])
}

const childAt = process.argv.indexOf('--child')
if (childAt >= 0) {
  const spec = JSON.parse(process.argv[childAt + 1] as string) as Spec
  console.log(JSON.stringify(spec.graph === 'both' ? await speed(spec) : await measure(spec)))
} else {
  await main()
}
