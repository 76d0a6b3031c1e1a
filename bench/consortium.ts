// Consortium building (POST /v1/match/consortium) against the partner list it would otherwise be
// (the top k of POST /v1/match/partners), through the real app (buildServer + app.inject), on both
// index backends (embedded, and Elasticsearch at ELASTICSEARCH_URL with a prefix of this run's own).
//
//   npm run bench:consortium        (= npx tsx bench/consortium.ts)
//
// a. Horizon 2020 (../shared/data/h2020, SHARED_DATA_DIR), the time split of bench/h2020-partners.ts:
//    projects that started in 2014-2016 are imported (organisations with their kind and country from
//    the CORDIS participations, projects with their participants) through POST /v1/bulk; projects that
//    started in 2017-2018 with another organisation besides the coordinator, a programme area and a
//    coordinator seen in 2014-2016 are evaluated. For each, the coordinator (organizationId), its
//    programme area (programme) and the real consortium size (size, the coordinator included) with
//    rules { minCountries: 3 } ask for a team; the baseline is the top k = size - 1 of the partner
//    route for the same coordinator and programme. The two are asked alternately, one project after
//    the other (which goes first alternates), so the machine's load falls on both alike.
//    Metrics per project, mean ± standard error over projects:
//      set recall   |proposed ∩ real| / |real minus the coordinator|;
//      3 countries  whether coordinator + proposed span at least three countries (computed here from
//                   the imported countries; the route's own rules answer is checked against it);
//      kind mix     share of universities / research centres / companies / others among the proposed
//                   (pooled over projects), against the real consortia's (coordinator left out).
//    Sample: BENCH_MAX_QUERIES (default 1000, about 12 minutes per backend on the busy 2-core machine)
//    projects, the first by sha256 of `consortium:<rcn>` among those of size 3 to 20 (the route takes
//    2 to 20; a team of two cannot meet minCountries 3). A refusal (4xx) is counted by reason, and the
//    metrics are over the projects both routes answered (before e78077e the route refused a
//    coordinator naming no competency: 854 of 1000).
// b. Demo (the committed seed: fixtures/generate.ts demoLines at REFERENCE_DATE, the default model):
//    the demo's organisations and projects and a seeded sample of BENCH_DEMO_PROPOSALS (default 60)
//    of its proposals that seek at least three competencies (people, communities, content and the
//    other proposals play no part in a team). Each proposal asks for a team twice: with the route's
//    default size (3 to 8, its author organisation included) and with size 3 (the author and two
//    partners: covering three or more competencies then takes complementary members); each against
//    the top k of the partner route, k = the number of members the route proposed. Metric: the share
//    of the proposal's sought competencies met by a strong reason (reasons.matched with strength
//    "strong", the phrase judge's statement) of some proposed member, against the same for the top k.
//    The store is kept in .data/bench-consortium-demo (records replaced each run, stored vectors kept:
//    a rerun embeds nothing it embedded before).
//    Ten size-3 teams (embedded backend) go to bench/results/consortium-teams-sample.json with the
//    proposal, its sought competencies and each member's covers and reasons; a judgement written
//    there by hand (field `judgement`) is kept on the next run while the team is the same.
//
// Tuning: BENCH_HALF=tune|held-out keeps the projects of one half (by sha256 of `half:<rcn>`), and
// BENCH_OBJECTIVE='{"country":0.02}' runs the route with other objective weights; either writes
// bench/results/consortium-tuning.json instead, one section per half and weights.
// Environment: BENCH_INDEX (embedded | elasticsearch; default both), BENCH_PART (h2020,demo; default
// both), BENCH_MAX_QUERIES, BENCH_DEMO_PROPOSALS, ELASTICSEARCH_URL, SHARED_DATA_DIR, MODELS_DIR.
// Results: bench/results/consortium.json (each backend's and part's section is replaced by its run,
// the others kept; each says the commit it measured).
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { Client } from '@elastic/elasticsearch'
import { loadConfig } from '../config/load.ts'
import { buildServer } from '../src/build.ts'
import { createStore } from '../src/store/create-store.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import type { Database } from '../src/store/schema.ts'
import { REFERENCE_DATE, demoLines, type BulkLine } from '../fixtures/generate.ts'
import { OBJECTIVE_WEIGHTS } from '../src/match/consortium/objective.ts'
import { readCsv as readCsvFile } from '../fixtures/lib/csv.ts'

const DATA = join(process.env.SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'), 'h2020')
const ES_URL = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const BACKENDS = process.env.BENCH_INDEX ? [process.env.BENCH_INDEX] : ['embedded', 'elasticsearch']
const PARTS = (process.env.BENCH_PART ?? 'h2020,demo').split(',').map((s) => s.trim())
const MAX_QUERIES = Math.max(1, Number(process.env.BENCH_MAX_QUERIES ?? 1000))
const DEMO_PROPOSALS = Math.max(1, Number(process.env.BENCH_DEMO_PROPOSALS ?? 60))
const DEMO_DIR = process.env.BENCH_DEMO_DIR ?? join('.data', 'bench-consortium-demo')
/** Half of the evaluation projects by a hash of their rcn: the objective's weights are chosen on `tune` and reported on `held-out`. */
const HALF = process.env.BENCH_HALF as 'tune' | 'held-out' | undefined
if (HALF !== undefined && HALF !== 'tune' && HALF !== 'held-out') throw new Error('BENCH_HALF is tune or held-out')
const inHalf = (rcn: string) => HALF === undefined || ((hashKey(`half:${rcn}`) < '8') === (HALF === 'tune'))
/** Objective weights to try (a JSON object of src/match/consortium/objective.ts OBJECTIVE_WEIGHTS fields), for tuning on the tune half. */
const OBJECTIVE = process.env.BENCH_OBJECTIVE ? JSON.parse(process.env.BENCH_OBJECTIVE) as Partial<typeof OBJECTIVE_WEIGHTS> : undefined
if (OBJECTIVE) Object.assign(OBJECTIVE_WEIGHTS, OBJECTIVE)
/** BENCH_NO_RULES=1: the teams asked without minCountries, to tell the rule's cost from the objective's (tuning file only). */
const NO_RULES = process.env.BENCH_NO_RULES === '1'
const RESULT = new URL(OBJECTIVE || HALF || NO_RULES ? './results/consortium-tuning.json' : './results/consortium.json', import.meta.url)
const SAMPLE_FILE = new URL('./results/consortium-teams-sample.json', import.meta.url)
/** The route's bounds on `size` (MIN_SIZE 2, MAX_SIZE 20 in src/match/consortium/schemas.ts), and 3 at least: a team of two cannot meet minCountries 3 (the route answers 400). Projects outside are counted, not asked. */
const SIZE_MIN = Number(process.env.BENCH_SIZE_MIN ?? 3)
const SIZE_MAX = Number(process.env.BENCH_SIZE_MAX ?? 20)
const LEARN_YEARS = [2014, 2015, 2016]
const VALIDATION_YEARS = [2017, 2018]
const KIND_OF_TYPE: Record<string, string> = { HES: 'university', PRC: 'company', REC: 'research_centre', PUB: 'public_body', OTH: 'other' }
const COUNTRY_FIX: Record<string, string> = { UK: 'GB', EL: 'GR' }
const AREA_PRIORITY = ['SC1', 'SC2', 'SC3', 'SC4', 'SC5', 'SC6', 'SC7', 'FET', 'RI', 'SEWP', 'SWAFS', 'Euratom', 'ARF', 'LEIT', 'ERC', 'MSCA', 'Innovation in SMEs']
const MIX = ['university', 'research_centre', 'company', 'others'] as const

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`)
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits
const mean = (xs: readonly number[]) => xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : 0
const stderr = (xs: readonly number[]) => {
  if (xs.length < 2) return 0
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length)
}
const pm = (xs: readonly number[], digits = 4) => `${round(mean(xs), digits)} ± ${round(stderr(xs), digits)}`
const hashKey = (s: string) => createHash('sha256').update(s).digest('hex')
const mixOf = (kind: string | undefined): typeof MIX[number] => kind === 'university' || kind === 'research_centre' || kind === 'company' ? kind : 'others'

// ---------------------------------------------------------------------------------------------
// The route's answer (the committed contract; only what is read here)

interface Reasonish { matched?: Array<{ sought: string, matched: string, strength: string, evidence?: string }>, summary?: string[] }
interface Member { organizationId: string, name: string, country?: string, kind?: string, role: string, score: number, covers: string[], reasons: Reasonish, alternatives?: Array<{ organizationId: string }> }
interface ConsortiumReply {
  semanticMatching: boolean
  notice?: string
  method: string
  objective: number
  members: Member[]
  coverage: { sought: Array<{ competency: string, coveredBy: string[] }>, uncovered: string[], share: number }
  rules: Array<{ rule: string, required: unknown, actual: unknown, met: boolean }>
}
interface PartnerReply { results: Array<{ id: string, name: string, kind: string, country?: string, reasons: Reasonish }> }

// ---------------------------------------------------------------------------------------------
// The app

type App = Awaited<ReturnType<typeof buildServer>>

async function startApp (backend: string, dataDir: string, prefix: string, withModel: boolean): Promise<{ app: App, close: () => Promise<void> }> {
  if (backend === 'elasticsearch') await dropIndices(prefix)
  const noModels = await mkdtemp(join(tmpdir(), 'no-models-'))
  const app = await buildServer({
    config: loadConfig({
      DATA_DIR: dataDir,
      MODELS_DIR: withModel ? (process.env.MODELS_DIR ?? 'models') : noModels,
      EMBEDDING_ALLOW_REMOTE: 'false',
      EMBEDDING_ALLOW_MAVEN: 'false',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      FREE_TEXT_CONCURRENCY: '100000',
      ...(backend === 'elasticsearch' ? { ELASTICSEARCH_URL: ES_URL, INDEX_PREFIX: prefix } : {})
    })
  })
  await app.parts.modelReady
  if (withModel !== app.parts.embedder.available) throw new Error(`model expected ${withModel}, available ${app.parts.embedder.available}`)
  return {
    app,
    close: async () => {
      await app.close()
      if (backend === 'elasticsearch') await dropIndices(prefix)
      await rm(noModels, { recursive: true, force: true })
    }
  }
}

async function dropIndices (prefix: string): Promise<void> {
  const es = new Client({ node: ES_URL })
  await es.indices.delete({ index: `${prefix}*`, expand_wildcards: 'all' }).catch(() => {})
  await es.close()
}

async function bulk (app: App, lines: readonly string[]): Promise<void> {
  // In parts: the whole set is close to the body limit.
  for (let i = 0; i < lines.length; i += 5000) {
    const payload = lines.slice(i, i + 5000).join('\n') + '\n'
    const res = await app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson' } })
    const summary = res.json()
    if (res.statusCode !== 200 || summary.failed > 0) throw new Error(`bulk import: ${res.statusCode} ${JSON.stringify(summary).slice(0, 500)}`)
  }
}

async function untilIndexed (app: App, label: string): Promise<void> {
  let last = 0
  for (;;) {
    const status = (await app.inject({ method: 'GET', url: '/v1/status' })).json() as { kinds: Array<{ kind: string, inSync: boolean, documents: number | null, rows: number, pendingOutbox: number }> }
    if (status.kinds.every((k) => k.inSync)) return
    if (performance.now() - last > 20_000) {
      last = performance.now()
      log(`  ${label}: indexing ${status.kinds.filter((k) => !k.inSync).map((k) => `${k.kind} ${k.documents ?? 0}/${k.rows} (${k.pendingOutbox} pending)`).join(', ')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** One request, its wall time and this process's CPU time over it (the app runs in process). */
async function timed<T> (app: App, url: string, payload: object): Promise<{ status: number, body: T, ms: number, cpuMs: number }> {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const res = await app.inject({ method: 'POST', url, payload })
  const ms = performance.now() - t0
  const c = process.cpuUsage(c0)
  return { status: res.statusCode, body: res.json() as T, ms, cpuMs: (c.user + c.system) / 1000 }
}

// ---------------------------------------------------------------------------------------------
// H2020 data (the loader and split of bench/h2020-partners.ts)

/** A CSV table of the Horizon 2020 data (gzipped or not), one object per row keyed by the header. */
async function readCsv (name: string): Promise<Array<Record<string, string>>> {
  return readCsvFile(join(DATA, name))
}

interface H2020Member { pic: string, role: string }
interface H2020Project { rcn: string, year: number, start?: string, end?: string, programme?: string, members: H2020Member[] }
interface H2020Org { pic: string, kind: string, country: string }
const isDate = (s: string | undefined): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s)
const orgId = (pic: string) => `pic-${pic}`

async function loadH2020 () {
  const [participations, parts, namesA, namesB] = await Promise.all([
    readCsv('participations_until_2018.csv.gz'), readCsv('programme_parts.csv.gz'), readCsv('orgs_names_a.csv'), readCsv('orgs_names_b.csv')
  ])
  const areas = new Map<string, string[]>()
  for (const p of parts) {
    const list = areas.get(p.rcn as string) ?? []
    if (p.programme_part && !list.includes(p.programme_part)) list.push(p.programme_part)
    areas.set(p.rcn as string, list)
  }
  const rank = (a: string) => { const i = AREA_PRIORITY.indexOf(a); return i < 0 ? AREA_PRIORITY.length : i }
  const areaOf = (rcn: string) => [...(areas.get(rcn) ?? [])].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1))[0]
  const names = new Map<string, string>()
  for (const r of namesB) if (r.pic && r.name?.trim()) names.set(r.pic, r.name)
  for (const r of namesA) if (r.orgId && r.name?.trim()) names.set(r.orgId, r.name)
  const projects = new Map<string, H2020Project>()
  const orgs = new Map<string, H2020Org>()
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
    if (!p.members.some((m) => m.pic === pic)) p.members.push({ pic, role: r.role as string })
    if (!orgs.has(pic)) {
      // The participations carry each organisation's type (HES, PRC, REC, PUB, OTH) and country code.
      const kind = KIND_OF_TYPE[r.type as string]
      if (!kind) throw new Error(`organisation ${pic}: unknown type "${r.type}"`)
      orgs.set(pic, { pic, kind, country: COUNTRY_FIX[r.country as string] ?? (r.country as string) })
    }
  }
  return { projects, orgs, names }
}

interface H2020Query { rcn: string, programme: string, coordinator: string, size: number, truth: Set<string> }

function h2020Queries (projects: Map<string, H2020Project>, seen: Set<string>) {
  const eligible: H2020Query[] = []
  const skipped = { noOtherMember: 0, noProgramme: 0, coordinatorUnseen: 0, noCoordinator: 0 }
  for (const p of projects.values()) {
    if (!VALIDATION_YEARS.includes(p.year)) continue
    const coordinators = p.members.filter((m) => m.role === 'coordinator').map((m) => m.pic)
    if (coordinators.length === 0) { skipped.noCoordinator++; continue }
    if (p.members.length < 2) { skipped.noOtherMember++; continue }
    const known = coordinators.filter((c) => seen.has(c)).sort((a, b) => Number(a) - Number(b))
    if (known.length === 0) { skipped.coordinatorUnseen++; continue }
    if (!p.programme) { skipped.noProgramme++; continue }
    const coordinator = known[0] as string
    eligible.push({ rcn: p.rcn, programme: p.programme, coordinator, size: p.members.length, truth: new Set(p.members.filter((m) => m.pic !== coordinator).map((m) => orgId(m.pic))) })
  }
  const askable = eligible.filter((q) => q.size >= SIZE_MIN && q.size <= SIZE_MAX && inHalf(q.rcn))
  askable.sort((a, b) => (hashKey(`consortium:${a.rcn}`) < hashKey(`consortium:${b.rcn}`) ? -1 : 1))
  const chosen = askable.slice(0, MAX_QUERIES).sort((a, b) => Number(a.rcn) - Number(b.rcn))
  return { chosen, eligible: eligible.length, askable: askable.length, skipped }
}

// ---------------------------------------------------------------------------------------------
// a. Horizon 2020

interface TeamStats { recall: number[], threeCountries: number[], teamSize: number[], mix: Record<string, number>, ms: number[], cpuMs: number[], failures: number }
const emptyStats = (): TeamStats => ({ recall: [], threeCountries: [], teamSize: [], mix: Object.fromEntries(MIX.map((k) => [k, 0])), ms: [], cpuMs: [], failures: 0 })
const mixShares = (mix: Record<string, number>) => {
  const total = Object.values(mix).reduce((a, x) => a + x, 0) || 1
  return Object.fromEntries(MIX.map((k) => [k, round((mix[k] ?? 0) / total, 3)]))
}

async function runH2020 (backend: string): Promise<Record<string, unknown>> {
  const started = performance.now()
  const { projects, orgs, names } = await loadH2020()
  const learning = [...projects.values()].filter((p) => LEARN_YEARS.includes(p.year)).sort((a, b) => Number(a.rcn) - Number(b.rcn))
  const seen = new Set(learning.flatMap((p) => p.members.map((m) => m.pic)))
  const { chosen, eligible, askable, skipped } = h2020Queries(projects, seen)
  log(`h2020/${backend}: learning ${learning.length} projects, ${seen.size} organisations; ${eligible} eligible validation projects, ${askable} of size ${SIZE_MIN}-${SIZE_MAX}, ${chosen.length} evaluated`)

  const lines: string[] = []
  for (const pic of [...seen].sort()) {
    const o = orgs.get(pic) as H2020Org
    const name = (names.get(pic) ?? pic).replace(/\s+/g, ' ').trim().slice(0, 500) || pic
    lines.push(JSON.stringify({ op: 'upsert', kind: 'organizations', id: orgId(pic), record: { name, kind: o.kind, country: o.country } }))
  }
  for (const p of learning) {
    lines.push(JSON.stringify({
      op: 'upsert',
      kind: 'projects',
      id: `h2020-${p.rcn}`,
      record: { title: `H2020 project ${p.rcn}`, ...(p.programme ? { programme: p.programme } : {}), ...(p.start ? { start: p.start } : {}), ...(p.end ? { end: p.end } : {}), participants: p.members.map((m) => ({ organizationId: orgId(m.pic), role: m.role })) }
    }))
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'bench-consortium-h2020-'))
  const prefix = `bench-consortium-h2020-${process.pid}-`
  const { app, close } = await startApp(backend, dataDir, prefix, false)
  try {
    let t = performance.now()
    await bulk(app, lines)
    await untilIndexed(app, `h2020/${backend}`)
    const loadMs = Math.round(performance.now() - t)
    log(`h2020/${backend}: ${lines.length} records imported and indexed in ${Math.round(loadMs / 1000)} s`)

    const countryOf = (id: string) => orgs.get(id.slice(4))?.country
    const kindOf = (id: string) => orgs.get(id.slice(4))?.kind
    const countries = (coordinator: string, ids: readonly string[]) => new Set([orgId(coordinator), ...ids].map(countryOf).filter(Boolean)).size
    const consortium = emptyStats()
    const baseline = emptyStats()
    const real = emptyStats()
    const pairedRecall: number[] = []
    const disagreements: Array<Record<string, unknown>> = []
    const failures: Array<Record<string, unknown>> = []
    const methods: Record<string, number> = {}
    const refusals: Record<string, number> = {}
    const soughtExamples: Array<Record<string, unknown>> = []
    t = performance.now()
    for (const [i, q] of chosen.entries()) {
      const askConsortium = async () => {
        const r = await timed<ConsortiumReply>(app, '/v1/match/consortium', { organizationId: orgId(q.coordinator), programme: q.programme, size: q.size, ...(NO_RULES ? {} : { rules: { minCountries: 3 } }) })
        if (r.status !== 200) {
          consortium.failures++
          const why = `${r.status} ${(r.body as { message?: string }).message?.replace(/\(\d+\)|\d+ members/g, 'n').slice(0, 80) ?? ''}`
          refusals[why] = (refusals[why] ?? 0) + 1
          if (failures.length < 5) failures.push({ rcn: q.rcn, route: 'consortium', status: r.status, body: JSON.stringify(r.body).slice(0, 300) })
          return null
        }
        consortium.ms.push(r.ms)
        consortium.cpuMs.push(r.cpuMs)
        return r.body
      }
      const askBaseline = async () => {
        const r = await timed<PartnerReply>(app, '/v1/match/partners', { organizationId: orgId(q.coordinator), programme: q.programme, limit: Math.min(100, q.size - 1) })
        if (r.status !== 200) {
          baseline.failures++
          if (failures.length < 20) failures.push({ rcn: q.rcn, route: 'partners', status: r.status, body: JSON.stringify(r.body).slice(0, 300) })
          return null
        }
        baseline.ms.push(r.ms)
        baseline.cpuMs.push(r.cpuMs)
        return r.body
      }
      let cons: ConsortiumReply | null
      let base: PartnerReply | null
      if (i % 2 === 0) { cons = await askConsortium(); base = await askBaseline() } else { base = await askBaseline(); cons = await askConsortium() }
      if (!cons || !base) continue
      methods[cons.method] = (methods[cons.method] ?? 0) + 1
      // What the route took as sought competencies for a coordinator that has none of its own.
      if (soughtExamples.length < 10) soughtExamples.push({ rcn: q.rcn, coordinator: names.get(q.coordinator) ?? q.coordinator, sought: cons.coverage.sought.map((x) => x.competency), covered: cons.coverage.share })
      const proposed = cons.members.filter((m) => m.role !== 'seeker').map((m) => m.organizationId)
      const top = base.results.slice(0, q.size - 1).map((r) => r.id)
      const recall = (ids: readonly string[]) => ids.filter((id) => q.truth.has(id)).length / q.truth.size
      const add = (s: TeamStats, ids: readonly string[]) => {
        s.recall.push(recall(ids))
        s.threeCountries.push(countries(q.coordinator, ids) >= 3 ? 1 : 0)
        s.teamSize.push(ids.length + 1)
        for (const id of ids) s.mix[mixOf(kindOf(id))]! += 1
      }
      add(consortium, proposed)
      add(baseline, top)
      add(real, [...q.truth])
      pairedRecall.push(recall(proposed) - recall(top))
      // The route's own account of the rule against the countries imported.
      const stated = cons.rules.find((r) => r.rule === 'minCountries')
      const actual = countries(q.coordinator, proposed) >= 3
      if (!stated || stated.met !== actual) {
        if (disagreements.length < 20) disagreements.push({ rcn: q.rcn, stated, computed: { countries: countries(q.coordinator, proposed), met: actual } })
      }
      if ((i + 1) % 50 === 0) log(`  h2020/${backend}: ${i + 1}/${chosen.length} projects (${Math.round((performance.now() - t) / 1000)} s)`)
    }
    const askMs = Math.round(performance.now() - t)
    const row = (name: string, s: TeamStats) => ({
      backend,
      part: 'h2020',
      method: name,
      projects: s.recall.length,
      'set recall': pm(s.recall),
      '≥3 countries': round(mean(s.threeCountries), 3),
      'team size': round(mean(s.teamSize), 2),
      ...Object.fromEntries(MIX.map((k) => [k, mixShares(s.mix)[k] as number])),
      'ms/request': s.ms.length ? round(mean(s.ms), 1) : '-',
      'CPU ms/request': s.cpuMs.length ? round(mean(s.cpuMs), 1) : '-'
    })
    const rows = [row('consortium (minCountries 3)', consortium), row('partners top k (k = size - 1)', baseline), row('real consortia', real)]
    return {
      rows,
      detail: {
        split: {
          learning: `projects that started in ${LEARN_YEARS.join(', ')}: ${learning.length} projects, ${seen.size} organisations (kind from the CORDIS type HES/PRC/REC/PUB/OTH, country with UK → GB, EL → GR)`,
          validation: `projects that started in ${VALIDATION_YEARS.join(', ')} with another organisation besides the coordinator, a programme area and a coordinator seen in the learning years`,
          eligible,
          askable: `${askable} of size ${SIZE_MIN}-${SIZE_MAX} (the route's bounds on size)`,
          evaluated: chosen.length,
          sample: `the first ${chosen.length} by sha256 of "consortium:<rcn>" among the askable`,
          skipped
        },
        recallPairedDifference: { consortiumMinusBaseline: pm(pairedRecall), n: pairedRecall.length },
        timing: {
          note: 'in-process: wall and this process\'s CPU per request, the two routes asked alternately on a shared machine; noisy (see the ± of each)',
          consortium: { ms: pm(consortium.ms, 1), cpuMs: pm(consortium.cpuMs, 1) },
          partners: { ms: pm(baseline.ms, 1), cpuMs: pm(baseline.cpuMs, 1) },
          cpuRatio: round(mean(consortium.cpuMs) / (mean(baseline.cpuMs) || 1), 2)
        },
        methods,
        soughtExamples,
        failures: { consortium: consortium.failures, partners: baseline.failures, consortiumRefusals: refusals, first: failures },
        answered: `${consortium.recall.length} of ${chosen.length} projects (metrics over these, the baseline and the real consortia on the same projects)`,
        rulesStatedVsComputed: { disagreements: disagreements.length, first: disagreements },
        phasesMs: { load: loadMs, ask: askMs, total: Math.round(performance.now() - started) }
      }
    }
  } finally {
    await close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// b. Demo

async function clearDemoStore (): Promise<void> {
  await mkdir(DEMO_DIR, { recursive: true })
  const store = await createStore<Database>({ dataDir: DEMO_DIR })
  await migrateToLatest(store.db)
  // Records go; stored vectors stay, so a rerun embeds nothing it embedded before.
  await sql`delete from records`.execute(store.db)
  await sql`delete from outbox`.execute(store.db)
  await store.close()
}

/** The sought competencies a member meets with a strong reason (the phrase judge's statement). */
const strongCovers = (reasons: Reasonish | undefined, sought: readonly string[]) => {
  const wanted = new Set(sought.map((s) => s.toLowerCase()))
  return new Set((reasons?.matched ?? []).filter((m) => m.strength === 'strong' && wanted.has(m.sought.toLowerCase())).map((m) => m.sought.toLowerCase()))
}

async function runDemo (backend: string): Promise<Record<string, unknown>> {
  const started = performance.now()
  const lines: BulkLine[] = []
  for await (const line of demoLines({ referenceDate: REFERENCE_DATE, log: () => {} })) lines.push(line)
  const byId = new Map(lines.map((l) => [`${l.kind}/${l.id}`, l]))
  const candidates = lines.filter((l) => l.kind === 'proposals' && ((l.record.seeks as string[] | undefined)?.length ?? 0) >= 3)
  candidates.sort((a, b) => (hashKey(`consortium-demo:${a.id}`) < hashKey(`consortium-demo:${b.id}`) ? -1 : 1))
  const chosen = candidates.slice(0, DEMO_PROPOSALS)
  // What a team is made from: every organisation and project of the demo (the candidates and their
  // collaboration history) and the sampled proposals (the seekers). People, communities, content and
  // the other proposals play no part in a consortium and would only be embedded for nothing.
  const asked = new Set(chosen.map((p) => p.id))
  const loaded = lines.filter((l) => l.kind === 'organizations' || l.kind === 'projects' || (l.kind === 'proposals' && asked.has(l.id)))
  await clearDemoStore()
  const prefix = 'bench-consortium-demo-'
  const { app, close } = await startApp(backend, DEMO_DIR, prefix, true)
  try {
    let t = performance.now()
    await bulk(app, loaded.map((l) => JSON.stringify(l)))
    await untilIndexed(app, `demo/${backend}`)
    const loadMs = Math.round(performance.now() - t)
    log(`demo/${backend}: ${loaded.length} of the demo's ${lines.length} records (organisations, projects, the sampled proposals) imported and indexed in ${Math.round(loadMs / 1000)} s`)
    // Two requests per proposal: the route's default size (3 to 8 with the seeker's organisation), and
    // a tight team of three (the seeker's organisation and two partners for ≥ 3 competencies), where
    // covering them takes complementary members. Each against the partner route's top k, k = the
    // number of members the route proposed.
    const CONFIGS = [{ label: 'default size (3-8)', extra: {} }, { label: 'size 3', extra: { size: 3 } }] as const
    interface Acc { consortium: number[], partners: number[], routeShare: number[], shareAboveStrong: number, shareBelowStrong: number, proposed: number[], ms: number[], cpu: number[], msP: number[], cpuP: number[] }
    const acc: Record<string, Acc> = Object.fromEntries(CONFIGS.map((c) => [c.label, { consortium: [], partners: [], routeShare: [], shareAboveStrong: 0, shareBelowStrong: 0, proposed: [], ms: [], cpu: [], msP: [], cpuP: [] }]))
    const perProposal: Array<Record<string, unknown>> = []
    const ceiling: number[] = []
    const teams: Array<Record<string, unknown>> = []
    const failures: Array<Record<string, unknown>> = []
    const semantic = { consortium: 0, partners: 0, asked: 0 }
    const share = (reasons: Array<Reasonish | undefined>, sought: readonly string[]) => {
      const met = new Set<string>()
      for (const r of reasons) for (const x of strongCovers(r, sought)) met.add(x)
      return met.size / new Set(sought.map((x) => x.toLowerCase())).size
    }
    t = performance.now()
    for (const [i, p] of chosen.entries()) {
      const sought = p.record.seeks as string[]
      const row: Record<string, unknown> = { proposal: p.id }
      // What any team drawn from the partner route's first 100 could cover with strong reasons: the
      // ceiling of both methods (a competency nobody there meets strongly is uncovered by either).
      const pool = await timed<PartnerReply>(app, '/v1/match/partners', { proposalId: p.id, limit: 100 })
      if (pool.status === 200) {
        const c = share(pool.body.results.map((r) => r.reasons), sought)
        ceiling.push(c)
        row.ceiling = round(c, 3)
      }
      for (const config of CONFIGS) {
        const a = acc[config.label] as Acc
        const askC = () => timed<ConsortiumReply>(app, '/v1/match/consortium', { proposalId: p.id, explain: true, alternatives: 2, ...config.extra })
        // Alternate which route goes first (the baseline's k needs the team: without it, k is guessed as 2).
        let c = i % 2 === 0 ? await askC() : null
        const k = c?.status === 200 ? c.body.members.filter((m) => m.role !== 'seeker').length : null
        const b = await timed<PartnerReply>(app, '/v1/match/partners', { proposalId: p.id, limit: Math.max(1, Math.min(100, k ?? 7)) })
        if (!c) c = await askC()
        if (c.status !== 200 || b.status !== 200) {
          if (failures.length < 20) failures.push({ proposal: p.id, config: config.label, consortium: c.status, partners: b.status, body: JSON.stringify(c.status !== 200 ? c.body : b.body).slice(0, 300) })
          continue
        }
        const proposed = c.body.members.filter((m) => m.role !== 'seeker')
        const top = b.body.results.slice(0, proposed.length)
        semantic.asked++
        if (c.body.semanticMatching) semantic.consortium++
        if ((b.body as { semanticMatching?: boolean }).semanticMatching) semantic.partners++
        const mine = share(proposed.map((m) => m.reasons), sought)
        const theirs = share(top.map((r) => r.reasons), sought)
        a.consortium.push(mine)
        a.partners.push(theirs)
        a.routeShare.push(c.body.coverage.share)
        a.proposed.push(proposed.length)
        // The route rounds its share to 4 decimals.
        if (c.body.coverage.share > mine + 1e-3) a.shareAboveStrong++
        if (c.body.coverage.share < mine - 1e-3) a.shareBelowStrong++
        a.ms.push(c.ms); a.cpu.push(c.cpuMs); a.msP.push(b.ms); a.cpuP.push(b.cpuMs)
        row[config.label] = { proposed: proposed.length, strongConsortium: round(mine, 3), strongPartners: round(theirs, 3), routeShare: c.body.coverage.share, method: c.body.method }
        if (backend === 'embedded' && config.label === 'size 3' && teams.length < 10) teams.push(teamRecord(p, sought, c.body, top, byId))
      }
      perProposal.push(row)
      if ((i + 1) % 10 === 0) log(`  demo/${backend}: ${i + 1}/${chosen.length} proposals`)
    }
    const askMs = Math.round(performance.now() - t)
    if (backend === 'embedded') await writeSample(teams)
    const rows: Array<Record<string, string | number>> = []
    const diffs: Record<string, string> = {}
    rows.push({ backend, part: 'demo', method: 'ceiling: partners top 100', proposals: ceiling.length, 'members proposed': 100, 'sought covered (strong)': pm(ceiling, 3), 'route coverage.share': '-', 'ms/request': '-', 'CPU ms/request': '-' })
    for (const config of CONFIGS) {
      const a = acc[config.label] as Acc
      rows.push({ backend, part: 'demo', method: `consortium, ${config.label}`, proposals: a.consortium.length, 'members proposed': round(mean(a.proposed), 2), 'sought covered (strong)': pm(a.consortium, 3), 'route coverage.share': pm(a.routeShare, 3), 'ms/request': round(mean(a.ms), 1), 'CPU ms/request': round(mean(a.cpu), 1) })
      rows.push({ backend, part: 'demo', method: `partners top k, k as ${config.label}`, proposals: a.partners.length, 'members proposed': round(mean(a.proposed), 2), 'sought covered (strong)': pm(a.partners, 3), 'route coverage.share': '-', 'ms/request': round(mean(a.msP), 1), 'CPU ms/request': round(mean(a.cpuP), 1) })
      diffs[config.label] = `${pm(a.consortium.map((x, j) => x - (a.partners[j] as number)), 3)} (n ${a.consortium.length}); route coverage.share above the strong-reason share on ${a.shareAboveStrong}, below on ${a.shareBelowStrong} (coverage counts partial matches too)`
    }
    return {
      rows,
      detail: {
        proposals: `${chosen.length} of ${candidates.length} demo proposals seeking ≥ 3 competencies, the first by sha256 of "consortium-demo:<id>"`,
        loaded: `${loaded.length} records: the demo's organisations and projects, and the sampled proposals`,
        metric: 'share of the proposal\'s sought competencies (its seeks) met by a reasons.matched entry of strength "strong" of some proposed member (partners: of the top k)',
        coverageDifferenceConsortiumMinusPartners: diffs,
        semanticMatching: semantic,
        failures,
        perProposal,
        phasesMs: { load: loadMs, ask: askMs, total: Math.round(performance.now() - started) }
      }
    }
  } finally {
    await close()
  }
}

function teamRecord (p: BulkLine, sought: readonly string[], c: ConsortiumReply, top: PartnerReply['results'], byId: ReadonlyMap<string, BulkLine>): Record<string, unknown> {
  const proposed = c.members.filter((m) => m.role !== 'seeker')
  const fmt = (x: { sought: string, matched: string, evidence?: string }) => `${x.sought} ← ${x.matched} (${x.evidence ?? '?'})`
  return {
    key: `${p.id}|${proposed.map((m) => m.organizationId).join(',')}`,
    proposal: p.id,
    title: p.record.title,
    request: { proposalId: p.id, size: 3 },
    sought,
    coverage: c.coverage,
    rules: c.rules.map((r) => `${r.rule}${'kind' in r && r.kind ? `:${String(r.kind)}` : ''} ${r.actual}/${r.required} ${r.met ? 'met' : 'NOT met'}`),
    members: c.members.map((m) => {
      const org = byId.get(`organizations/${m.organizationId}`)?.record
      return {
        organizationId: m.organizationId,
        name: m.name,
        role: m.role,
        country: m.country,
        kind: m.kind,
        covers: m.covers,
        strongReasons: (m.reasons.matched ?? []).filter((x) => x.strength === 'strong').map(fmt),
        partialReasons: (m.reasons.matched ?? []).filter((x) => x.strength !== 'strong').map(fmt),
        summary: m.reasons.summary,
        theirCompetencies: (org?.competencies as string[] | undefined)?.slice(0, 12)
      }
    }),
    partnersTopK: top.map((r) => ({ id: r.id, name: r.name, strong: (r.reasons.matched ?? []).filter((x) => x.strength === 'strong').map((x) => `${x.sought} ← ${x.matched}`) }))
  }
}

async function writeSample (teams: Array<Record<string, unknown>>): Promise<void> {
  const before = existsSync(SAMPLE_FILE) ? JSON.parse(readFileSync(SAMPLE_FILE, 'utf8')) as { teams?: Array<{ key: string, judgement?: unknown }>, judgedSummary?: string } : {}
  const judged = new Map((before.teams ?? []).filter((x) => x.judgement).map((x) => [x.key, x.judgement]))
  const out = teams.map((x) => ({ ...x, ...(judged.has(x.key as string) ? { judgement: judged.get(x.key as string) } : {}) }))
  await writeFile(SAMPLE_FILE, JSON.stringify({
    about: 'Ten consortia of size 3 (the proposal\'s author organisation and two partners) proposed for demo proposals seeking ≥ 3 competencies (bench/consortium.ts, embedded backend), with the partner route\'s top k beside. `judgement` is written by hand after reading each team: is each member there for a real reason?',
    date: new Date().toISOString(),
    judged: out.filter((x) => 'judgement' in x).length,
    // The summary of the judgements holds while every judged team is still the same.
    ...(before.judgedSummary && out.filter((x) => 'judgement' in x).length === judged.size ? { judgedSummary: before.judgedSummary } : {}),
    teams: out
  }, null, 2) + '\n')
}

// ---------------------------------------------------------------------------------------------

/** The commit measured, and whether the consortium code differed from it (results of different code must not be mixed up). */
function codeVersion (): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src/match', 'src/routes/match-consortium.ts'], { encoding: 'utf8' }).trim()
    return dirty ? `${head} (with uncommitted changes under src/match or the route)` : head
  } catch {
    return 'unknown'
  }
}

async function main (): Promise<void> {
  const code = codeVersion()
  const sections: Record<string, { rows: Array<Record<string, string | number>> } & Record<string, unknown>> = {}
  for (const backend of BACKENDS) {
    for (const part of PARTS) {
      log(`${part} on ${backend}`)
      const out = part === 'h2020' ? await runH2020(backend) : await runDemo(backend)
      const key = `${part}/${backend}${HALF ? `/${HALF}` : ''}${OBJECTIVE ? ` ${JSON.stringify(OBJECTIVE_WEIGHTS)}` : ''}${NO_RULES ? ' without rules' : ''}`
      sections[key] = { ...out, code, date: new Date().toISOString(), ...(HALF ? { half: HALF } : {}), objectiveWeights: { ...OBJECTIVE_WEIGHTS } } as never
      await writeResult(sections)
      console.table(out.rows)
    }
  }
}

async function writeResult (mine: Record<string, { rows: Array<Record<string, string | number>> }>): Promise<void> {
  await mkdir(new URL('./results/', import.meta.url), { recursive: true })
  // Read again before writing: another run (one backend or part each) may have written its sections since.
  const now = existsSync(RESULT) ? (JSON.parse(readFileSync(RESULT, 'utf8')) as { sections?: Record<string, { rows: Array<Record<string, string | number>> }> }).sections ?? {} : {}
  const sections = { ...now, ...mine }
  await writeFile(RESULT, JSON.stringify({
    benchmark: 'consortium',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    command: 'npm run bench:consortium (BENCH_INDEX, BENCH_PART, BENCH_MAX_QUERIES, BENCH_DEMO_PROPOSALS)',
    sections,
    rows: Object.values(sections).flatMap((s) => s.rows)
  }, null, 2) + '\n')
}

await main()
