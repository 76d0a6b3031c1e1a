// The consortium optimiser's gap: how far greedy (with and without its repair-and-swap polish) falls
// below the exact optimum (branch and bound run to the end), on the candidate pools of real seekers.
//
//   npx tsx bench/consortium-gap.ts
//
// Data: the demo data set (fixtures/generate.ts demoLines: real CORDIS organisations and projects, the
// collaboration graph among them, generated needs and competencies), imported into a fresh store of
// this run's own (a temporary directory, embedded index). Seekers: BENCH_SEEKERS (default 40) demo
// organisations with at least two needs and open proposals with at least two sought phrases, half
// each, the first by sha256 of the id. For each seeker the problem is built exactly as
// POST /v1/match/consortium builds it (ConsortiumBuilder.problem: the partner matcher's pool and the
// per-competency candidates, coverage through the phrase judge, the collaboration graph's links),
// then solved for sizes 3, 4 and 5 (exact sizes, the seeker included), each with no other rule and
// with { minCountries: 3 }.
// Per case: greedy without polish, greedy with polish (what the route runs), branch and bound to the
// end (a budget of 10^9 gain evaluations). Ratios greedy / exact over cases where exact finished and
// its objective is positive; CPU per solve of each (this process, one solve at a time: noisy on a
// shared machine, compare the methods' figures with each other, not across runs). Also, for the
// route's default request (size 3-8, no rules): how often branch and bound finishes within the
// route's budget (the answer's `method` is then exact). Last, the route itself against the partner
// route for the same seekers, alternating, three rounds: wall and CPU time per request.
//
// The model: without one by default (BENCH_MODEL=1 uses MODELS_DIR, default models/): the phrase judge
// then states matches on words and concepts only; the optimiser's gap does not depend on how covers
// were judged, only on the instances.
// Results: bench/results/consortium-gap.json.
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { loadConfig } from '../config/load.ts'
import { buildServer } from '../src/build.ts'
import { demoLines } from '../fixtures/generate.ts'
import { importNdjson } from '../src/records/bulk-import.ts'
import { seekerFromRecord } from '../src/match/seeker.ts'
import { withSought } from '../src/match/consortium/sought.ts'
import { ConsortiumBuilder } from '../src/match/consortium/consortium-builder.ts'
import { exact, greedy, optimise, type Problem } from '../src/match/consortium/optimiser.ts'
import type { Rules } from '../src/match/consortium/rules.ts'
import { DEFAULT_SIZE } from '../src/match/consortium/schemas.ts'
import { OBJECTIVE_WEIGHTS } from '../src/match/consortium/objective.ts'

const SEEKERS = Math.max(2, Number(process.env.BENCH_SEEKERS ?? 40))
const WITH_MODEL = process.env.BENCH_MODEL === '1'
const SIZES = [3, 4, 5]
/** Branch and bound budgets tried on the default request (the route's is 200,000). */
const BUDGETS = [50_000, 100_000, 200_000, 400_000, 1_000_000]
/** Other objective weights (JSON of OBJECTIVE_WEIGHTS fields), e.g. '{"pair":0.05,"country":0.1,"kind":0.1}': the harder, non-modular objective; written to consortium-gap-weighted.json. */
const OBJECTIVE = process.env.BENCH_OBJECTIVE ? JSON.parse(process.env.BENCH_OBJECTIVE) as Partial<typeof OBJECTIVE_WEIGHTS> : undefined
if (OBJECTIVE) Object.assign(OBJECTIVE_WEIGHTS, OBJECTIVE)
const RESULT = new URL(OBJECTIVE ? './results/consortium-gap-weighted.json' : './results/consortium-gap.json', import.meta.url)

const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`)
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d
const mean = (xs: readonly number[]) => xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : 0
const stderr = (xs: readonly number[]) => {
  if (xs.length < 2) return 0
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length)
}
const quantile = (xs: readonly number[], q: number) => {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number
}
const hashKey = (s: string) => createHash('sha256').update(s).digest('hex')
const cpu = <T>(f: () => T): { value: T, ms: number } => {
  const c0 = process.cpuUsage()
  const value = f()
  const c = process.cpuUsage(c0)
  return { value, ms: (c.user + c.system) / 1000 }
}

async function main (): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'consortium-gap-'))
  const noModels = await mkdtemp(join(tmpdir(), 'no-models-'))
  const app = await buildServer({
    config: loadConfig({
      DATA_DIR: dataDir,
      MODELS_DIR: WITH_MODEL ? (process.env.MODELS_DIR ?? 'models') : noModels,
      EMBEDDING_ALLOW_REMOTE: 'false',
      EMBEDDING_ALLOW_MAVEN: 'false',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      FREE_TEXT_CONCURRENCY: '100000'
    })
  })
  try {
    await app.ready()
    await app.parts.modelReady
    const model = app.parts.embedder.available ? app.parts.embedder.model : null
    log(`model: ${model ?? 'none (words and concepts)'}; importing the demo data`)
    const lines = Readable.from((async function * () { for await (const line of demoLines()) yield JSON.stringify(line) + '\n' })())
    const summary = await importNdjson(app.parts.store.db, lines, { onCommit: () => app.pipeline?.relay.wake(), repository: app.services.records })
    log(`imported ${summary.created} records; indexing`)
    for (;;) {
      const status = (await app.inject({ method: 'GET', url: '/v1/status' })).json() as { kinds: Array<{ inSync: boolean }> }
      if (status.kinds.every((k) => k.inSync)) break
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    await app.parts.graph.settled()
    log('indexed')

    const { records, partners, queries } = app.services
    const { vectors, graph, searchIndex, store } = app.parts
    const builder = new ConsortiumBuilder({ partners, index: searchIndex, queries, vectors, graph, db: store.db }, partners.concepts)
    const rows = await store.db.selectFrom('records').select(['kind', 'id', 'body']).where('deleted', '=', false).where('kind', 'in', ['organizations', 'proposals']).execute()
    const eligible = (kind: string) => rows
      .filter((r) => r.kind === kind)
      .filter((r) => {
        const b = r.body as Record<string, unknown>
        const sought = (kind === 'organizations' ? b.needs : b.seeks) as unknown[] | undefined
        return Array.isArray(sought) && sought.length >= 2 && (kind === 'organizations' || b.status === undefined || b.status === 'open')
      })
      .sort((a, b) => hashKey(`gap:${a.id}`).localeCompare(hashKey(`gap:${b.id}`)))
    const seekers = [...eligible('organizations').slice(0, Math.ceil(SEEKERS / 2)), ...eligible('proposals').slice(0, Math.floor(SEEKERS / 2))]
    log(`${seekers.length} seekers (${eligible('organizations').length} organisations and ${eligible('proposals').length} proposals eligible)`)

    interface Case { seeker: string, kind: string, size: number, rules: string, candidates: number, competencies: number, greedy: number, polished: number, exact: number | null, exactFinished: boolean, greedyMs: number, polishedMs: number, exactMs: number, nodes: number, greedyMet: boolean, polishedMet: boolean, exactMet: boolean }
    const cases: Case[] = []
    const budgets: Array<{ budget: number, exact: boolean, ms: number }> = []
    const defaults: Array<{ seeker: string, method: string, ms: number, work: number, objective: number, bound: number, members: number }> = []
    for (const [n, row] of seekers.entries()) {
      const kind = row.kind as 'organizations' | 'proposals'
      const body = row.body as Record<string, unknown>
      let seeker = await seekerFromRecord(kind, row.id, body, model, vectors, queries)
      seeker = await withSought(seeker, undefined, model, vectors, queries, partners.concepts)
      const orgId = seeker.organizationId
      const org = kind === 'organizations' ? { body } : orgId ? await records.get('organizations', orgId) : null
      const o = org?.body as Record<string, unknown> | undefined
      const member = o && orgId ? { id: orgId, name: String(o.name ?? orgId), country: String(o.country ?? ''), kind: String(o.kind ?? ''), group: typeof o.group === 'string' ? o.group : null } : null
      const base: Rules = { size: { ...DEFAULT_SIZE }, minCountries: 0, minEuCountries: 0, requiredKinds: [], onePerGroup: false }
      const request = { seeker, member, model, rules: base, asked: { minCountries: false, minEuCountries: false, onePerGroup: false }, include: [], exclude: [], alternatives: 0, explain: false }
      const { problem } = await builder.problem(request)
      for (const budget of BUDGETS) {
        const b = cpu(() => optimise(problem, { exactBudget: budget }))
        budgets.push({ budget, exact: b.value.method === 'exact', ms: b.ms })
      }
      const d = cpu(() => optimise(problem))
      defaults.push({ seeker: row.id, method: d.value.method, ms: round(d.ms, 2), work: d.value.search?.work ?? 0, objective: round(d.value.objective), bound: round(d.value.bound), members: d.value.members.length })
      for (const size of SIZES) {
        for (const [label, extra] of [['size only', {}], ['minCountries 3', { minCountries: 3 }]] as const) {
          const p: Problem = { ...problem, rules: { ...base, ...extra, size: { min: size, max: size } } }
          const g = cpu(() => greedy(p, { polish: false }))
          const gp = cpu(() => greedy(p))
          const x = cpu(() => exact(p, -Infinity, 1e9))
          cases.push({
            seeker: row.id,
            kind,
            size,
            rules: label,
            candidates: p.candidates.length,
            competencies: p.competencies,
            greedy: g.value.objective,
            polished: gp.value.objective,
            exact: x.value.finished && x.value.members ? x.value.value : null,
            exactFinished: x.value.finished,
            greedyMs: g.ms,
            polishedMs: gp.ms,
            exactMs: x.ms,
            nodes: x.value.search.nodes,
            greedyMet: g.value.met,
            polishedMet: gp.value.met,
            exactMet: x.value.members !== null
          })
        }
      }
      log(`${n + 1}/${seekers.length} ${row.id}: ${problem.candidates.length} candidates, ${problem.competencies} competencies; default request ${d.value.method} in ${round(d.ms, 1)} ms CPU`)
    }

    // The route against the partner route, same seekers, alternating which goes first: CPU and wall
    // time per request of this process (the app runs in it), three rounds.
    const latency: { consortium: { ms: number[], cpuMs: number[] }, partners: { ms: number[], cpuMs: number[] } } = { consortium: { ms: [], cpuMs: [] }, partners: { ms: [], cpuMs: [] } }
    const request = async (route: 'consortium' | 'partners', body: object) => {
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      const res = await app.inject({ method: 'POST', url: `/v1/match/${route}`, payload: body })
      const ms = performance.now() - t0
      const c = process.cpuUsage(c0)
      if (res.statusCode !== 200) throw new Error(`${route}: ${res.statusCode} ${res.body.slice(0, 300)}`)
      latency[route].ms.push(ms)
      latency[route].cpuMs.push((c.user + c.system) / 1000)
    }
    for (let round = 0; round < 3; round++) {
      for (const [n, row] of seekers.entries()) {
        const body = row.kind === 'organizations' ? { organizationId: row.id } : { proposalId: row.id }
        const order: Array<'consortium' | 'partners'> = (n + round) % 2 === 0 ? ['consortium', 'partners'] : ['partners', 'consortium']
        for (const route of order) await request(route, route === 'partners' ? { ...body, limit: 10 } : body)
      }
    }
    const solved = cases.filter((c) => c.exact !== null && c.exact > 0)
    const summarise = (sel: readonly Case[]) => {
      const ratio = (c: Case, v: number) => v / (c.exact as number)
      const plain = sel.map((c) => ratio(c, c.greedy))
      const pol = sel.map((c) => ratio(c, c.polished))
      return {
        cases: sel.length,
        greedy: { meanRatio: round(mean(plain)), stderr: round(stderr(plain)), worstRatio: round(Math.min(...plain)), optimalShare: round(mean(plain.map((r) => r >= 1 - 1e-9 ? 1 : 0))) },
        greedyWithPolish: { meanRatio: round(mean(pol)), stderr: round(stderr(pol)), worstRatio: round(Math.min(...pol)), optimalShare: round(mean(pol.map((r) => r >= 1 - 1e-9 ? 1 : 0))) },
        cpuMsMedian: { greedy: round(quantile(sel.map((c) => c.greedyMs), 0.5), 2), greedyWithPolish: round(quantile(sel.map((c) => c.polishedMs), 0.5), 2), exact: round(quantile(sel.map((c) => c.exactMs), 0.5), 2) },
        cpuMsP90: { greedy: round(quantile(sel.map((c) => c.greedyMs), 0.9), 2), greedyWithPolish: round(quantile(sel.map((c) => c.polishedMs), 0.9), 2), exact: round(quantile(sel.map((c) => c.exactMs), 0.9), 2) }
      }
    }
    const bySize = Object.fromEntries(SIZES.map((s) => [String(s), summarise(solved.filter((c) => c.size === s))]))
    const byRules = Object.fromEntries(['size only', 'minCountries 3'].map((r) => [r, summarise(solved.filter((c) => c.rules === r))]))
    const result = {
      date: new Date().toISOString(),
      command: 'npx tsx bench/consortium-gap.ts',
      objectiveWeights: { ...OBJECTIVE_WEIGHTS },
      model: model ?? 'none (words and concepts only)',
      seekers: seekers.length,
      sizes: SIZES,
      notes: 'ratio = objective / exact objective, over cases where branch and bound finished and the optimum is positive; CPU per solve in this process, one at a time, on a shared 2-core machine (noisy: compare methods within this run)',
      overall: summarise(solved),
      bySize,
      byRules,
      unsolved: cases.length - solved.length,
      infeasible: cases.filter((c) => c.exactFinished && !c.exactMet).length,
      greedyMetWhenFeasible: round(mean(cases.filter((c) => c.exactMet).map((c) => c.polishedMet ? 1 : 0))),
      pool: { candidatesMedian: quantile(cases.map((c) => c.candidates), 0.5), candidatesMax: Math.max(...cases.map((c) => c.candidates)), competenciesMedian: quantile(cases.map((c) => c.competencies), 0.5) },
      defaultRequest: {
        exactShare: round(mean(defaults.map((d) => d.method === 'exact' ? 1 : 0))),
        cpuMsMedian: round(quantile(defaults.map((d) => d.ms), 0.5), 2),
        cpuMsP90: round(quantile(defaults.map((d) => d.ms), 0.9), 2),
        cpuMsMax: round(Math.max(...defaults.map((d) => d.ms)), 2),
        byBudget: BUDGETS.map((budget) => {
          const runs = budgets.filter((b) => b.budget === budget)
          return { budget, exactShare: round(mean(runs.map((r) => r.exact ? 1 : 0))), cpuMsMedian: round(quantile(runs.map((r) => r.ms), 0.5), 2), cpuMsP90: round(quantile(runs.map((r) => r.ms), 0.9), 2) }
        }),
        boundOverObjectiveWhenGreedy: round(mean(defaults.filter((d) => d.method === 'greedy' && d.objective > 0).map((d) => d.bound / d.objective))),
        runs: defaults
      },
      latency: {
        notes: 'POST /v1/match/consortium (default size and rules) against POST /v1/match/partners (limit 10) for the same seekers, alternating, 3 rounds, through app.inject in this process: wall and CPU ms per request, median / 90th percentile',
        consortium: { msMedian: round(quantile(latency.consortium.ms, 0.5), 1), msP90: round(quantile(latency.consortium.ms, 0.9), 1), cpuMsMedian: round(quantile(latency.consortium.cpuMs, 0.5), 1), cpuMsP90: round(quantile(latency.consortium.cpuMs, 0.9), 1) },
        partners: { msMedian: round(quantile(latency.partners.ms, 0.5), 1), msP90: round(quantile(latency.partners.ms, 0.9), 1), cpuMsMedian: round(quantile(latency.partners.cpuMs, 0.5), 1), cpuMsP90: round(quantile(latency.partners.cpuMs, 0.9), 1) },
        cpuRatioMedian: round(quantile(latency.consortium.cpuMs, 0.5) / Math.max(1e-9, quantile(latency.partners.cpuMs, 0.5)), 2)
      },
      cases
    }
    await writeFile(RESULT, JSON.stringify(result, null, 2) + '\n')
    log(JSON.stringify({ latency: result.latency, overall: result.overall, bySize, byRules, defaultRequest: result.defaultRequest, infeasible: result.infeasible, greedyMetWhenFeasible: result.greedyMetWhenFeasible, pool: result.pool }, null, 2))
  } finally {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
    await rm(noModels, { recursive: true, force: true })
  }
}

await main()
