import t, { type Test } from 'tap'
import { request } from 'node:http'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { KEYS, auth, eventually } from '../helpers/app.ts'
import { spawnScript, stopAtEnd } from '../helpers/processes.ts'
import { freshDatabase, modelsDir, needs, onCleanup, services, tempDir } from '../helpers/services.ts'
import { ElasticsearchIndex } from '../../src/search/elasticsearch/elasticsearch-index.ts'

// Issue 32, case 1: Postgres terminates the service's connections (a failover, a restart, an
// operator's pg_terminate_backend) while a bulk import is in flight. A pooled connection held by a
// transaction had no 'error' listener, so the lost connection was an uncaught exception: "shutting
// down after an error", 503s, then the process exited. Now the requests in flight retry (or answer
// 503 STORE_UNAVAILABLE) and the process, API or worker, keeps serving.

const N = 10_000
const WORDS = ['robotica collaborativa', 'manutenzione predittiva', 'visione artificiale', 'idrogeno verde', 'gemelli digitali', 'materiali compositi']
const line = (id: string, i: number) => JSON.stringify({
  op: 'upsert',
  kind: 'organizations',
  id,
  record: { name: `Impresa ${id}`, kind: 'company', country: 'IT', description: `Lavoriamo su ${WORDS[i % 6]} e ${WORDS[(i * 5 + 1) % 6]}, reparto ${i}.`, competencies: [WORDS[i % 6] as string], version: 1 }
})
const ndjson = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(`${prefix}-${from + k}`, from + k)).join('\n') + '\n'

interface Service { url: string, child: ReturnType<typeof spawnScript> }

/** Starts a repo script as a child process (PORT 0), stopped when the test ends; `listens`: wait for its URL. */
async function start (t: Test, file: string, env: Record<string, string>, listens: boolean): Promise<Service> {
  const child = spawnScript(file, { PORT: '0', HOST: '127.0.0.1', ...env })
  stopAtEnd(t, child)
  let url = ''
  if (listens) {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}:\n${child.output()}`)
      url = /Server listening at (http:\/\/[\d.:]+)/.exec(child.output())?.[1] ?? ''
      return url !== ''
    }, 120_000, `${file} listening`)
  } else {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}:\n${child.output()}`)
      return child.output().includes('worker running')
    }, 120_000, `${file} running`)
  }
  return { url, child }
}

/** Terminates every backend of `database` but the caller's, as an operator or a failover would. */
async function terminate (admin: pg.Client, database: string): Promise<{ terminated: number, busy: number }> {
  const { rows } = await admin.query<{ n: string, busy: string }>(`
    select count(*) as n, count(*) filter (where state <> 'idle') as busy
    from (select state, pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()) x`, [database])
  return { terminated: Number(rows[0]?.n), busy: Number(rows[0]?.busy) }
}

/** A POST /v1/bulk whose body is written piece by piece: it stays in flight until `end()`. */
function streamingBulk (url: string) {
  const req = request(`${url}/v1/bulk`, { method: 'POST', agent: false, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
  const answer = new Promise<{ status: number, body: any } | { error: string }>((resolve) => {
    req.on('response', (res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d.toString() })
      res.on('end', () => { try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }) } catch { resolve({ status: res.statusCode ?? 0, body: text }) } })
      res.on('error', (err) => resolve({ error: err.message }))
    })
    req.on('error', (err) => resolve({ error: err.message }))
  })
  let settled = false
  answer.finally(() => { settled = true }).catch(() => {})
  return {
    // Resolves once the body is flushed, or the request is gone (the server closed it).
    write: (text: string) => new Promise<void>((resolve) => {
      if (req.destroyed || req.write(text)) return resolve()
      req.once('drain', resolve)
      req.once('close', resolve)
    }),
    end: () => { req.end() },
    answer,
    settled: () => settled
  }
}

/** Searches and partner matches, two at a time, until `stop()`; every answer counted by status. */
function traffic (url: string) {
  const counts = new Map<string, number>()
  const bad: string[] = []
  const state = { running: true }
  const one = async (kind: string, path: string, init: RequestInit) => {
    try {
      const res = await fetch(`${url}${path}`, { ...init, headers: { ...init.headers as Record<string, string>, ...auth('read') }, signal: AbortSignal.timeout(30_000) })
      const body = await res.json() as { statusCode?: number, code?: string, message?: string }
      counts.set(`${kind} ${res.status}`, (counts.get(`${kind} ${res.status}`) ?? 0) + 1)
      // In flight when the connection went: a 503 in the service's error shape, saying when to retry.
      if (res.status === 503 && (body.statusCode !== 503 || typeof body.code !== 'string' || !res.headers.get('retry-after'))) bad.push(`${kind}: 503 ${JSON.stringify(body)}`)
      else if (res.status !== 200 && res.status !== 503) bad.push(`${kind}: ${res.status} ${JSON.stringify(body)}`)
    } catch (err) {
      counts.set(`${kind} no answer`, (counts.get(`${kind} no answer`) ?? 0) + 1)
      bad.push(`${kind}: no answer (${(err as Error).message})`)
    }
  }
  const loops = [
    (async () => { while (state.running) await one('search', '/v1/search?q=robotica&kinds=organizations&limit=5', {}) })(),
    (async () => { while (state.running) await one('match', '/v1/match/partners', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organizationId: 'seed-1', limit: 5 }) }) })()
  ]
  return {
    stop: async () => { state.running = false; await Promise.all(loops); return { counts: Object.fromEntries(counts), bad } }
  }
}

/** The log's warnings and errors, one short line each. */
function warnings (output: string): string {
  const lines = output.split('\n').flatMap((l) => {
    try {
      const j = JSON.parse(l) as { level: number, msg: string, err?: { message?: string } }
      return j.level >= 40 && !j.msg.startsWith('API_KEYS') ? [`${j.msg}${j.err?.message ? `: ${j.err.message}` : ''}`] : []
    } catch { return [] }
  })
  const counted = new Map<string, number>()
  for (const l of lines) counted.set(l, (counted.get(l) ?? 0) + 1)
  return counted.size === 0 ? 'none' : [...counted].map(([l, n]) => `${n} x ${l.slice(0, 200)}`).join('; ')
}

/** Live records whose id starts with `prefix-`, read on a connection of its own (the service's are terminated). */
async function count (database: string, prefix: string): Promise<number> {
  const url = new URL(services.postgres)
  url.pathname = `/${database}`
  const c = new pg.Client({ connectionString: url.toString() })
  await c.connect()
  try {
    const { rows } = await c.query<{ n: string }>("select count(*) as n from records where kind = 'organizations' and not deleted and id like $1", [`${prefix}-%`])
    return Number(rows[0]?.n)
  } finally {
    await c.end()
  }
}

/**
 * The fault itself, the same on both setups: an import of N lines in flight, the service's backends
 * terminated while it commits (up to four times), searches and matches running all along; then
 * everything is asked again.
 */
async function importThroughTermination (t: Test, api: Service, admin: pg.Client, database: string, others: Service[] = []) {
  const seed = await fetch(`${api.url}/v1/bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...auth('write') }, body: ndjson('seed', 0, 50) })
  t.equal(seed.status, 200, 'the seed import is accepted')

  const load = traffic(api.url)
  const bulk = streamingBulk(api.url)
  await bulk.write(ndjson('big', 0, N / 2))
  // The first half is being committed: the import is in flight and holds a pooled connection.
  await eventually(async () => bulk.settled() || await count(database, 'big') > 0, 60_000, 'the import committing')
  const rounds: string[] = []
  const round = async () => {
    const committed = await count(database, 'big')
    const { terminated, busy } = await terminate(admin, database)
    rounds.push(`${terminated} (${busy} busy) at ${committed}`)
    return committed
  }
  let committed = await round()
  await bulk.write(ndjson('big', N / 2, N))
  bulk.end()
  // Again each time the import has gone on by two batches, up to four times in all.
  while (rounds.length < 4) {
    const last = committed
    await eventually(async () => bulk.settled() || await count(database, 'big') > last + 1000, 60_000, 'the import going on')
    if (bulk.settled()) break
    committed = await round()
  }
  t.comment(`backends terminated during the import of ${N} lines (busy ones, lines committed): ${rounds.join(', ')}`)
  const answer = await bulk.answer
  const { counts, bad } = await load.stop()
  t.comment(`bulk answered ${JSON.stringify('status' in answer ? { status: answer.status, created: answer.body.created, failed: answer.body.failed, code: answer.body.code } : answer)}; traffic ${JSON.stringify(counts)}`)

  // The import either retried its lost transactions and landed whole, or said 503 in the error shape.
  t.ok('status' in answer, `the import got an answer: ${JSON.stringify(answer).slice(0, 300)}`)
  const accepted = 'status' in answer && answer.status === 200
  if ('status' in answer && !accepted) t.match(answer, { status: 503, body: { statusCode: 503, code: 'STORE_UNAVAILABLE' } }, 'a failed import is a 503 in the error shape')
  if (accepted) t.match((answer as { body: unknown }).body, { lines: N, created: N, failed: 0 }, 'every line of the import accepted')
  t.same(bad, [], 'every search and match in flight answered 200, or 503 with the error body and Retry-After')

  // Everything answers afterwards.
  const ask = async (path: string, init: RequestInit = {}) => {
    try {
      const res = await fetch(`${api.url}${path}`, { ...init, headers: { ...init.headers as Record<string, string>, ...auth('write') }, signal: AbortSignal.timeout(60_000) })
      return { status: res.status, body: await res.json() as Record<string, unknown> }
    } catch (err) {
      return { status: 0, body: { error: (err as Error).message } }
    }
  }
  t.match(await ask('/health'), { status: 200 }, '/health answers')
  t.match(await ask('/v1/search?q=robotica&kinds=organizations&limit=5'), { status: 200 }, 'a search answers')
  t.match(await ask('/v1/match/partners', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organizationId: 'seed-1', limit: 5 }) }), { status: 200 }, 'a partner match answers')
  t.match(await ask('/v1/bulk', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson('after', 0, 500) }),
    { status: 200, body: { lines: 500, created: 500, failed: 0 } }, 'a second bulk import is accepted')

  // Nothing accepted was lost.
  t.equal(await count(database, 'seed'), 50, 'the seed records are in the store')
  if (accepted) t.equal(await count(database, 'big'), N, 'every line the import accepted is in the store')
  t.equal(await count(database, 'after'), 500, 'the second import is in the store')

  for (const s of [api, ...others]) {
    t.comment(`${s === api ? 'API' : 'worker'} warnings and errors: ${warnings(s.child.output())}`)
    t.equal(s.child.exitCode, null, 'the process is still running')
    t.notMatch(s.child.output(), /shutting down after an error|stopping after an error/, 'and never started to shut down')
  }
}

const base = {
  MODELS_DIR: modelsDir,
  EMBEDDING_MODEL: 'all-minilm-l6-v2',
  EMBEDDING_ALLOW_REMOTE: 'false',
  EMBEDDING_ALLOW_MAVEN: 'false',
  API_KEYS: `${KEYS.read}:read,${KEYS.write}:write,${KEYS.admin}:admin`,
  DEMO_DATA: 'false',
  RATE_LIMIT_MAX: '0',
  LOG_LEVEL: 'info'
}

async function adminClient (t: Test): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: services.postgres })
  await admin.connect()
  onCleanup(t, () => admin.end())
  return admin
}

t.test('Postgres terminates the connections during a bulk import: the API (embedded index) keeps serving, nothing accepted is lost', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const databaseUrl = await freshDatabase(t)
  const admin = await adminClient(t)
  const api = await start(t, 'src/server.ts', { ...base, DATABASE_URL: databaseUrl, DATA_DIR: await tempDir(t) }, true)
  await importThroughTermination(t, api, admin, new URL(databaseUrl).pathname.slice(1))
})

t.test('the same with Elasticsearch and a separate worker: API and worker keep running, the worker keeps indexing', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  if (!await needs(t, 'Redis', services.redis)) return
  if (!await needs(t, 'Elasticsearch', services.elasticsearch)) return
  const run = randomUUID().slice(0, 8)
  const databaseUrl = await freshDatabase(t)
  const database = new URL(databaseUrl).pathname.slice(1)
  const env = {
    ...base,
    DATABASE_URL: databaseUrl,
    DATA_DIR: await tempDir(t),
    REDIS_URL: services.redis,
    ELASTICSEARCH_URL: services.elasticsearch,
    INDEX_PREFIX: `test-pgterm-${run}-`,
    QUEUE_NAME: `pgterm-${run}`
  }
  const es = new ElasticsearchIndex({ url: services.elasticsearch, prefix: env.INDEX_PREFIX })
  onCleanup(t, async () => {
    await es.client.indices.delete({ index: `${env.INDEX_PREFIX}*` }).catch(() => {})
    await es.close()
  })
  const admin = await adminClient(t)
  const [api, worker] = await Promise.all([start(t, 'src/server.ts', { ...env, RUN_WORKERS: 'false' }, true), start(t, 'workers/worker.ts', env, false)])
  await importThroughTermination(t, api, admin, database, [worker])

  // The worker, busy embedding and indexing the backlog, loses its connections too and goes on.
  await es.refresh()
  const before = await es.count('organizations')
  const third = await terminate(admin, database)
  t.comment(`terminated ${third.terminated} backends (${third.busy} busy) while the worker indexes (${before} documents)`)
  await eventually(async () => { await es.refresh(); return (await es.count('organizations')) > before }, 60_000, 'the worker indexing after the termination')
  t.pass('the worker indexes after the termination')
  t.equal(worker.child.exitCode, null, 'the worker is still running')
  t.notMatch(worker.child.output(), /stopping after an error/, 'and never started to stop')
  t.equal(api.child.exitCode, null, 'the API is still running')
})
