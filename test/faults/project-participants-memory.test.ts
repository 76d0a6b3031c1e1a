import t, { type Test } from 'tap'
import v8 from 'node:v8'
import vm from 'node:vm'
import { KEYS, auth, eventually, testApp } from '../helpers/app.ts'
import { spawnScript, stopAtEnd } from '../helpers/processes.ts'
import { freshDatabase, needs, services, tempDir } from '../helpers/services.ts'
import { CollaborationGraph } from '../../src/match/collaboration-graph.ts'

// Issue 32, case 2: valid project records of 500 participants each (the schema's maxItems), every
// participant a new organisation. The collaboration graph kept pairwise partner maps, 250,000
// entries a project: 140 such projects (3.7 MB of JSON) took the API past its 1 GB heap, and every
// later start died reading them. The graph now holds the participations themselves (linear), and
// a history over its budget leaves the service up, matching without collaboration signals.

/** Projects of MEMBERS participants: 20,000 participations, 10 million partner pairs for the old graph (about 290 MB). */
const PROJECTS = 40
const MEMBERS = 500
/** What one participation may cost in the heap: the old graph took about 14,600 bytes (500 partner entries of 29 bytes). */
const BYTES_PER_PARTICIPATION = 1000
/** The heap of the restarted server: the old graph alone needed more. */
const RESTART_HEAP_MB = 256

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void
/** The heap and the typed arrays' buffers (which live outside it), after a full collection. */
const heapUsed = () => {
  gc()
  gc()
  const memory = process.memoryUsage()
  return memory.heapUsed + memory.arrayBuffers
}

const project = (p: number) => ({
  title: `Consortium ${p}`,
  programme: 'SC1',
  start: '2020-01-01',
  participants: Array.from({ length: MEMBERS }, (_, m) => ({ organizationId: `wide-${p}-org-${m}`, role: m === 0 ? 'coordinator' : 'participant' }))
})
const bulk = (lines: unknown[]) => ({ method: 'POST' as const, url: '/v1/bulk', payload: lines.map((l) => JSON.stringify(l)).join('\n'), headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })

t.test(`${PROJECTS} projects of ${MEMBERS} participants: the graph stays linear, and a restart with them listens and answers`, async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const url = await freshDatabase(t)
  const noModel = await tempDir(t)
  const app = await testApp(t, { DATABASE_URL: url, MODELS_DIR: noModel, RUN_WORKERS: 'false' })
  const lines = Array.from({ length: PROJECTS }, (_, p) => ({ op: 'upsert', kind: 'projects', id: `wide-${p}`, record: project(p) }))
  // The seeker and two of its partners, so that a match has collaboration to show.
  for (const id of ['wide-0-org-0', 'wide-0-org-1', 'wide-0-org-2']) lines.push({ op: 'upsert', kind: 'organizations', id, record: { name: `Organisation ${id}`, kind: 'company', country: 'IT', description: 'Robotica collaborativa e manutenzione predittiva.' } } as never)
  const imported = await app.inject(bulk(lines))
  t.match(imported.json(), { created: PROJECTS + 3, failed: 0 }, `${PROJECTS} projects of ${MEMBERS} participants accepted (the schema allows 500)`)
  const graph = app.parts.graph
  await eventually(async () => graph.pastPartners(`wide-${PROJECTS - 1}-org-0`).length === MEMBERS - 1, 60_000, 'the graph follows the import')

  // What the graph costs in the heap: a second one read from the same store.
  const participations = PROJECTS * MEMBERS
  const before = heapUsed()
  const second = await CollaborationGraph.open(app.parts.store)
  const after = heapUsed()
  t.equal(second.pastPartners('wide-3-org-7').length, MEMBERS - 1, 'the second graph holds the history')
  const perParticipation = (after - before) / participations
  t.ok(perParticipation < BYTES_PER_PARTICIPATION, `the graph takes ${Math.round((after - before) / 2 ** 20 * 10) / 10} MB of heap, ${Math.round(perParticipation)} bytes a participation (bound ${BYTES_PER_PARTICIPATION}; ${PROJECTS * MEMBERS * (MEMBERS - 1)} partner pairs would take about ${Math.round(PROJECTS * MEMBERS * (MEMBERS - 1) * 29 / 2 ** 20)} MB)`)
  await second.close()
  // A start waits for the history at most startWaitMs (5 s): past it, the read goes on behind.
  const behind = await CollaborationGraph.open(app.parts.store, { startWaitMs: 0 })
  t.equal(behind.usage().state, 'loading', 'open() returns before a read that takes longer than startWaitMs')
  t.equal(behind.signals('wide-0-org-0', ['wide-0-org-1']).ties.size, 0, 'meanwhile no collaboration signals')
  await behind.settled()
  t.equal(behind.signals('wide-0-org-0', ['wide-0-org-1']).ties.size, 1, 'then the history read behind')
  await behind.close()

  // A restart on that store with a heap the pairwise graph alone would overflow.
  const server = await startServer(t, { DATABASE_URL: url, MODELS_DIR: noModel, DATA_DIR: await tempDir(t) }, RESTART_HEAP_MB)
  t.equal((await fetch(`${server}/health`)).status, 200, `a restart with --max-old-space-size=${RESTART_HEAP_MB} listens`)
  await eventually(async () => (await (await fetch(`${server}/ready`)).json()).catchUp.refill?.state === 'done', 60_000, 'refilled')
  const ready = await (await fetch(`${server}/ready`)).json()
  t.equal(ready.collaborationSignals, true, '/ready: partner matches use the collaboration history')
  const match = await fetch(`${server}/v1/match/partners`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth('read') }, body: JSON.stringify({ organizationId: 'wide-0-org-0', limit: 5 }) })
  t.equal(match.status, 200, 'and answers a partner match')
  const results = (await match.json()).results as Array<{ id: string, reasons: { pastProjects: string[] } }>
  t.same(results.map((r) => [r.id, r.reasons.pastProjects]).sort(), [['wide-0-org-1', ['wide-0']], ['wide-0-org-2', ['wide-0']]], 'with the shared project as a reason')
  const status = await (await fetch(`${server}/v1/status`, { headers: auth('admin') })).json()
  t.match(status.collaborationGraph, { state: 'ready', reason: null, projects: PROJECTS, organisations: participations, participations }, '/v1/status: what the graph holds')
  t.ok(status.collaborationGraph.megabytes * 2 ** 20 < participations * BYTES_PER_PARTICIPATION, `as accounted: ${status.collaborationGraph.megabytes} MB of its ${status.collaborationGraph.budgetMegabytes} MB`)

  // The same history over GRAPH_MEMORY_MB: the service starts all the same, matches without
  // collaboration signals, and says so.
  const small = await testApp(t, { DATABASE_URL: url, MODELS_DIR: noModel, RUN_WORKERS: 'false', GRAPH_MEMORY_MB: '1' })
  const degraded = (await small.inject({ method: 'GET', url: '/ready' })).json()
  t.match(degraded, { status: 'degraded', collaborationSignals: false }, '/ready: degraded, no collaboration signals')
  const off = (await small.inject({ method: 'GET', url: '/v1/status', headers: auth('admin') })).json().collaborationGraph
  t.match(off, { state: 'off', reason: /does not fit: .*GRAPH_MEMORY_MB/, participations: 0, budgetMegabytes: 1 }, `/v1/status says why: ${off.reason}`)
  const lexical = await small.inject({ method: 'POST', url: '/v1/match/partners', headers: auth('read'), payload: { organizationId: 'wide-0-org-0', limit: 5 } })
  t.equal(lexical.statusCode, 200, 'a partner match still answers')
  t.ok(lexical.json().results.every((r: { reasons: { pastProjects: string[] } }) => r.reasons.pastProjects.length === 0), 'without collaboration signals')
})

t.test('a project write past GRAPH_MAX_ORG_TIES is refused, naming the participant, and changes nothing', async (t) => {
  const app = await testApp(t, { MODELS_DIR: await tempDir(t), RUN_WORKERS: 'false', GRAPH_MAX_ORG_TIES: '1000' })
  const members = (p: string, n: number, hubAt = 0) => Array.from({ length: n }, (_, m) => ({ organizationId: m === hubAt ? 'hub' : `${p}-org-${m}`, role: 'participant' }))
  // Two projects of 500: the hub has 998 ties, within 1,000.
  t.match((await app.inject(bulk([1, 2].map((p) => ({ op: 'upsert', kind: 'projects', id: `p${p}`, record: { title: `P${p}`, participants: members(`p${p}`, 500) } }))))).json(), { created: 2, failed: 0 })
  await eventually(async () => app.parts.graph.pastPartners('hub').length === 998, 30_000, 'the graph follows')

  const refused = await app.inject({ method: 'PUT', url: '/v1/projects/p3', headers: auth('write'), payload: { title: 'P3', participants: members('p3', 11, 4) } })
  t.equal(refused.statusCode, 400, 'eleven more members would give the hub 1,008 ties: 400')
  t.match(refused.json(), { code: 'GRAPH_LIMIT_EXCEEDED', problems: [{ field: 'body.participants.4.organizationId', problem: /hub 1008 collaboration ties.*1000.*GRAPH_MAX_ORG_TIES/ }] }, 'naming the participant and the limit')
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/p3', headers: auth('read') })).statusCode, 404, 'nothing written')
  await app.parts.graph.settled()
  t.equal(app.parts.graph.pastPartners('hub').length, 998, 'nothing in the graph')

  t.equal((await app.inject({ method: 'PUT', url: '/v1/projects/p1', headers: auth('write'), payload: { title: 'P1 renamed', participants: members('p1', 500) } })).statusCode, 200, 'a write that adds no ties to the hub lands')
  t.equal((await app.inject({ method: 'PUT', url: '/v1/projects/p4', headers: auth('write'), payload: { title: 'P4', participants: members('p4', 3, 1) } })).statusCode, 201, 'two more ties (1,000) land')
  await eventually(async () => app.parts.graph.pastPartners('hub').length === 1000, 30_000, 'the graph follows')

  // In a bulk import the lines before count, though their batch has not reached the graph yet.
  const lines = [
    { op: 'upsert', kind: 'projects', id: 'p5', record: { title: 'P5', participants: members('p5', 3, 2) } },
    { op: 'upsert', kind: 'projects', id: 'p6', record: { title: 'P6', participants: [{ organizationId: 'p6-a', role: 'participant' }, { organizationId: 'p6-b', role: 'participant' }] } }
  ]
  const summary = (await app.inject(bulk(lines))).json()
  t.match(summary, { created: 1, failed: 1, errors: [{ line: 1, field: 'record.participants.2.organizationId', problem: /hub 1002 collaboration ties/ }] }, 'a bulk line past the bound is reported by line and field; the others land')
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/p5', headers: auth('read') })).statusCode, 404, 'the refused line wrote nothing')
})

/** Starts src/server.ts as a child process with a heap of `heapMb`, stopped when the test ends; resolves to its URL once it listens. */
async function startServer (t: Test, env: Record<string, string>, heapMb: number): Promise<string> {
  const child = spawnScript('src/server.ts', {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    API_KEYS: `${KEYS.read}:read,${KEYS.write}:write,${KEYS.admin}:admin`,
    EMBEDDING_ALLOW_REMOTE: 'false',
    EMBEDDING_ALLOW_MAVEN: 'false',
    DEMO_DATA: 'false',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${heapMb}`,
    ...env
  })
  stopAtEnd(t, child)
  let url = ''
  await eventually(async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before it listened:\n${child.output().slice(-2000)}`)
    url = /Server listening at (http:\/\/[\d.:]+)/.exec(child.output())?.[1] ?? ''
    return url !== ''
  }, 120_000, 'the server listening')
  return url
}
