// The fault run of issue 32: Postgres terminates the service's connections (what a restart, a
// failover or an operator's pg_terminate_backend does) BENCH_ROUNDS times (10), each time in the
// middle of a POST /v1/bulk of BENCH_LINES lines (10,000), while BENCH_CONCURRENCY (4) clients
// search and match all along. Counts process exits (must be 0: an exited process is started again
// and counted) and requests by status (200, or 503 with the error body and Retry-After; anything
// else, or no answer, is a failure), then checks that nothing accepted was lost: every record at
// the version of the last import answered 200 or newer, and the index caught up with the store.
//
//   npx tsx bench/pg-termination.ts                                   # embedded index, workers in the API
//   BENCH_BACKEND=elasticsearch npx tsx bench/pg-termination.ts       # Elasticsearch + Redis, a separate worker (npm run es:start)
//   BENCH_TERMINATE=false BENCH_ROUNDS=3 npx tsx bench/pg-termination.ts  # the same load without the fault: import times to compare
//
// Round r imports the same BENCH_LINES organisations with version r, so each accepted round leaves
// every record at version r at least, and their texts (forty distinct ones) are embedded
// once: the run measures the faults, not the model. Writes bench/results/pg-termination.json
// (-elasticsearch, -control) and exits non-zero on any exit, 500, unanswered request or loss.
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { randomUUID } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import pg from 'pg'
import { Client } from '@elastic/elasticsearch'
import { POSTGRES, freshDatabase } from './lib/database.ts'
import { freePort } from './lib/server-process.ts'
import { report } from './lib/report.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const LINES = Number(process.env.BENCH_LINES ?? 10_000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4)
const BACKEND = process.env.BENCH_BACKEND ?? 'embedded'
const ES_URL = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const DRAIN_S = Number(process.env.BENCH_DRAIN_S ?? 600)
/** BENCH_TERMINATE=false: the same run without the fault, for the import times beside it. */
const TERMINATE = process.env.BENCH_TERMINATE !== 'false'
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`)
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const WORDS = ['robotica collaborativa', 'manutenzione predittiva', 'visione artificiale', 'idrogeno verde', 'gemelli digitali', 'materiali compositi', 'sensori IoT', 'telemedicina']
const CITIES = ['Milano', 'Torino', 'Bologna', 'Bari', 'Padova']
const record = (i: number, version: number) => ({
  name: `Impresa di ${WORDS[i % 8]} a ${CITIES[i % 5]}`,
  kind: 'company',
  country: 'IT',
  description: `Lavoriamo su ${WORDS[i % 8]} e ${WORDS[(i * 3 + 1) % 8]}.`,
  competencies: [WORDS[i % 8] as string],
  version
})
const lines = (from: number, to: number, version: number) => {
  let out = ''
  for (let i = from; i < to; i++) out += JSON.stringify({ op: 'upsert', kind: 'organizations', id: `pt-${i}`, record: record(i, version) }) + '\n'
  return out
}

const run = randomUUID().slice(0, 8)
const db = await freshDatabase('pgterm')
const database = new URL(db.url).pathname.slice(1)
const prefix = `pgterm-${run}-`
const env: Record<string, string> = {
  DATABASE_URL: db.url,
  EMBEDDING_MODEL: process.env.EMBEDDING_MODEL ?? 'all-minilm-l6-v2',
  EMBEDDING_ALLOW_REMOTE: 'false',
  EMBEDDING_ALLOW_MAVEN: 'false',
  DEMO_DATA: 'false',
  DATA_DIR: `/tmp/bench-pgterm-${run}`,
  ...(BACKEND === 'elasticsearch' ? { ELASTICSEARCH_URL: ES_URL, REDIS_URL, INDEX_PREFIX: prefix, QUEUE_NAME: `pgterm-${run}`, RUN_WORKERS: 'false' } : {})
}

// Processes: an exit is counted with what the process said last about stopping (an error, or a
// signal from outside), and the process is started again so that the run goes on. Their logs are
// read at info level (the signal a process received is logged at info); warnings and errors are
// passed on to stderr.
const exits: Array<{ process: string, round: number, code: number | null, signal: string | null, said: string }> = []
let round = 0
const STOPPING = /shutting down|stopping|killed by timeout|second \w+, exiting/

function logged (child: ChildProcess, onStopping: (msg: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue
    createInterface({ input: stream }).on('line', (line) => {
      let level = 60
      let msg = line
      try { ({ level, msg } = JSON.parse(line) as { level: number, msg: string }) } catch {}
      if (STOPPING.test(msg)) onStopping(msg)
      if (level >= 40) process.stderr.write(line + '\n')
    })
  }
}

/** The API as package.json's start command runs it (as bench/lib/server-process.ts does), its log read. */
async function startApi (): Promise<{ port: number, child: ChildProcess }> {
  const port = await freePort()
  const start = (JSON.parse(await readFile('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start
  const child = spawn('sh', ['-c', start], { env: { ...process.env, ...env, LOG_LEVEL: 'info', RATE_LIMIT_MAX: '0', FREE_TEXT_CONCURRENCY: '100000', PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let said = ''
  logged(child, (msg) => { said = said ? `${said}; ${msg}` : msg })
  child.on('exit', (code, signal) => {
    if (api?.child !== child) return
    exits.push({ process: 'api', round, code, signal, said })
    log(`the API exited (${code ?? signal}: ${said || 'said nothing'}) during round ${round}; starting it again`)
    startApi().then((s) => { api = s; base = `http://127.0.0.1:${s.port}` }, (err: Error) => log(`restart failed: ${err.message}`))
  })
  for (const deadline = Date.now() + 120_000; ;) {
    if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) return { port, child }
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`)
    if (Date.now() > deadline) throw new Error('the API did not start')
    await pause(200)
  }
}
let api: { port: number, child: ChildProcess } | null = null
api = await startApi()
let base = `http://127.0.0.1:${api.port}`

let worker: ChildProcess | null = null
const startWorker = () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/worker.ts'], { env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let said = ''
  logged(child, (msg) => { said = said ? `${said}; ${msg}` : msg })
  child.on('exit', (code, signal) => {
    if (worker !== child) return
    exits.push({ process: 'worker', round, code, signal, said })
    log(`the worker exited (${code ?? signal}: ${said || 'said nothing'}) during round ${round}; starting another`)
    startWorker()
  })
  worker = child
}
if (BACKEND === 'elasticsearch') startWorker()

const admin = new pg.Client({ connectionString: POSTGRES })
await admin.connect()
const store = async <R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> => {
  // A connection of its own each time: the service's database is the one whose backends are terminated.
  const c = new pg.Client({ connectionString: db.url })
  await c.connect()
  try { return (await c.query<R>(text, params)).rows } finally { await c.end() }
}
const committed = async (version: number) => Number((await store<{ n: string }>("select count(*) as n from records where kind = 'organizations' and version >= $1", [version]))[0]?.n)
const terminations: Array<{ round: number, terminated: number, busy: number, committed: number }> = []
const terminate = async (r: number) => {
  const done = await committed(r)
  const { rows } = await admin.query<{ n: string, busy: string }>(`
    select count(*) as n, count(*) filter (where state <> 'idle') as busy
    from (select state, pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()) x`, [database])
  terminations.push({ round: r, terminated: Number(rows[0]?.n), busy: Number(rows[0]?.busy), committed: done })
}

// Requests by status.
const counts = new Map<string, number>()
const bad: string[] = []
const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1)
const checkAnswer = (kind: string, status: number, body: { statusCode?: number, code?: string }, retryAfter: string | null | undefined) => {
  count(`${kind} ${status}`)
  if (status === 503 && (body.statusCode !== 503 || typeof body.code !== 'string' || !retryAfter)) bad.push(`${kind}: 503 without the error body or Retry-After: ${JSON.stringify(body)}`)
  else if (status !== 200 && status !== 503) bad.push(`${kind}: ${status} ${JSON.stringify(body)}`)
}

/** One import of every record at `version`, its body written in two halves: it is in flight until the second. */
function bulk (version: number, onFirstHalf: () => Promise<void>): Promise<{ status: number, body: any } | null> {
  return new Promise((resolve) => {
    const req = request(`${base}/v1/bulk`, { method: 'POST', agent: false, headers: { 'content-type': 'application/x-ndjson' } })
    req.on('response', (res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d.toString() })
      res.on('end', () => {
        let body: any = text
        try { body = JSON.parse(text) } catch {}
        checkAnswer('bulk', res.statusCode ?? 0, body, res.headers['retry-after'])
        resolve({ status: res.statusCode ?? 0, body })
      })
      res.on('error', () => { count('bulk no answer'); bad.push('bulk: the answer broke off'); resolve(null) })
    })
    req.on('error', (err) => { count('bulk no answer'); bad.push(`bulk: no answer (${err.message})`); resolve(null) })
    const write = (text: string) => new Promise<void>((resolve) => {
      if (req.destroyed || req.write(text)) return resolve()
      req.once('drain', resolve)
      req.once('close', resolve)
    })
    ;(async () => {
      await write(lines(0, LINES / 2, version))
      await onFirstHalf()
      await write(lines(LINES / 2, LINES, version))
      req.end()
    })().catch(() => req.destroy())
  })
}

// The seed round: every record once, before any fault.
const seedStarted = Date.now()
const seed = await bulk(0, async () => {})
const seedMs = Date.now() - seedStarted
if (seed?.status !== 200) throw new Error(`the seed import failed: ${JSON.stringify(seed)}`)
log(`seeded ${LINES} organisations; ${ROUNDS} rounds of an import of ${LINES} lines with the backends terminated in the middle, ${CONCURRENCY} clients searching and matching`)

// Searches and matches all along.
const load = { running: true }
const loops = Array.from({ length: CONCURRENCY }, async (_, k) => {
  for (let n = 0; load.running; n++) {
    const i = (k * 7919 + n * 104729) % LINES
    const [kind, path, init]: [string, string, RequestInit] = (n + k) % 2 === 0
      ? ['search', `/v1/search?q=${encodeURIComponent(WORDS[i % 8] as string)}&kinds=organizations&limit=10`, {}]
      : ['match', '/v1/match/partners', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organizationId: `pt-${i}`, limit: 10 }) }]
    try {
      const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(30_000) })
      checkAnswer(kind, res.status, await res.json() as { statusCode?: number, code?: string }, res.headers.get('retry-after'))
    } catch (err) {
      count(`${kind} no answer`)
      bad.push(`${kind}: no answer (${(err as Error).message})`)
      await pause(200)
    }
  }
})

const rounds: Array<{ round: number, status: number | string, ms: number, summary?: Record<string, unknown> }> = []
let lastAccepted = 0
const started = Date.now()
for (round = 1; round <= ROUNDS; round++) {
  // An API that exited in the previous round is being started again: the round waits for it.
  for (let i = 0; i < 600 && !await fetch(`${base}/health`).then((r) => r.ok, () => false); i++) await pause(200)
  const t0 = Date.now()
  const answer = await bulk(round, async () => {
    // Terminated once some of this round's lines are committed: the import holds a connection.
    for (let i = 0; i < 600 && await committed(round) === 0; i++) await pause(50)
    if (TERMINATE) await terminate(round)
  })
  const ms = Date.now() - t0
  if (answer?.status === 200 && answer.body.failed === 0 && answer.body.lines === LINES) lastAccepted = round
  rounds.push({ round, status: answer?.status ?? 'no answer', ms, ...(answer?.status === 200 ? { summary: { updated: answer.body.updated, unchanged: answer.body.unchanged, stale: answer.body.stale, failed: answer.body.failed } } : { body: answer?.body }) })
  const t = terminations.at(-1)
  const fault = TERMINATE ? `${t?.terminated} backends terminated (${t?.busy} busy) with ${t?.committed} lines committed` : 'no termination (control)'
  log(`round ${round}: ${fault}; the import answered ${answer?.status ?? 'nothing'} in ${ms} ms`)
  await pause(500)
}
load.running = false
await Promise.all(loops)
const faultSeconds = Math.round((Date.now() - started) / 1000)

// Nothing accepted lost: every record at the last accepted version or newer, and the index caught up.
const behind = await store<{ id: string, version: string }>("select id, version from records where kind = 'organizations' and version < $1 order by id limit 20", [lastAccepted])
const behindCount = Number((await store<{ n: string }>("select count(*) as n from records where kind = 'organizations' and version < $1", [lastAccepted]))[0]?.n)
const stored = Number((await store<{ n: string }>("select count(*) as n from records where kind = 'organizations' and not deleted"))[0]?.n)
const drainStarted = Date.now()
let sync: { rows: number, documents: number | null, pendingOutbox: number, inSync: boolean } | undefined
for (;;) {
  try {
    const status = await (await fetch(`${base}/v1/status`)).json() as { kinds: Array<{ kind: string, rows: number, documents: number | null, pendingOutbox: number, inSync: boolean }> }
    sync = status.kinds.find((k) => k.kind === 'organizations')
    if (sync?.inSync && sync.pendingOutbox === 0) break
  } catch {}
  if (Date.now() - drainStarted > DRAIN_S * 1000) break
  await pause(2000)
}
const drainSeconds = Math.round((Date.now() - drainStarted) / 1000)
const health = await fetch(`${base}/health`).then((r) => r.status, () => 0)

const byStatus = Object.fromEntries([...counts].sort())
const sum = (re: RegExp) => [...counts].filter(([k]) => re.test(k)).reduce((a, [, n]) => a + n, 0)
const summary = {
  backend: BACKEND,
  terminate: TERMINATE,
  rounds: ROUNDS,
  lines: LINES,
  concurrency: CONCURRENCY,
  faultSeconds,
  seedImportMs: seedMs,
  processExits: exits.length,
  exits,
  terminations,
  imports: rounds,
  requests: byStatus,
  failures: bad.slice(0, 50),
  lastAcceptedRound: lastAccepted,
  records: { stored, behindLastAccepted: behindCount, examples: behind },
  index: { ...sync, drainSeconds },
  healthAfter: health
}
const ok = exits.length === 0 && bad.length === 0 && behindCount === 0 && stored === LINES && sync?.inSync === true && health === 200
await report(`pg-termination${BACKEND === 'elasticsearch' ? '-elasticsearch' : ''}${TERMINATE ? '' : '-control'}`, [
  { what: 'terminations (backends, of them busy)', value: `${terminations.length} (${terminations.reduce((a, x) => a + x.terminated, 0)}, ${terminations.reduce((a, x) => a + x.busy, 0)})` },
  { what: 'process exits', value: exits.length === 0 ? 0 : `${exits.length}: ${exits.map((e) => `${e.process} in round ${e.round} (${e.said || `${e.code ?? e.signal}, said nothing`})`).join('; ')}` },
  { what: 'bulk imports: 200 / 503 / other', value: `${sum(/^bulk 200$/)} / ${sum(/^bulk 503$/)} / ${sum(/^bulk /) - sum(/^bulk (200|503)$/)}` },
  { what: 'searches: 200 / 503 / other', value: `${sum(/^search 200$/)} / ${sum(/^search 503$/)} / ${sum(/^search /) - sum(/^search (200|503)$/)}` },
  { what: 'matches: 200 / 503 / other', value: `${sum(/^match 200$/)} / ${sum(/^match 503$/)} / ${sum(/^match /) - sum(/^match (200|503)$/)}` },
  { what: 'import time per round, median (ms)', value: rounds.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(rounds.length / 2)] ?? 0 },
  { what: 'the seed import, no fault, no load (ms)', value: seedMs },
  { what: 'records behind the last accepted import', value: `${behindCount} of ${stored}` },
  { what: 'index caught up after (s)', value: sync?.inSync ? drainSeconds : `not in ${drainSeconds}` },
  { what: 'verdict', value: ok ? 'kept serving, nothing lost' : 'FAILED' }
], { summary })
if (!ok) console.log(JSON.stringify({ exits, failures: bad.slice(0, 10), behind, sync }, null, 2))

const stop = async (child: ChildProcess | null | undefined) => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await gone
}
const lastApi = api
const lastWorker = worker as ChildProcess | null
api = null
worker = null
await Promise.all([stop(lastWorker), stop((lastApi as { child: ChildProcess } | null)?.child)])
await admin.end()
if (BACKEND === 'elasticsearch') {
  const es = new Client({ node: ES_URL })
  await es.indices.delete({ index: `${prefix}*` }).catch(() => {})
  await es.close()
}
await db.drop()
await rm(env.DATA_DIR as string, { recursive: true, force: true })
process.exit(ok ? 0 : 1)
