import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { freshDatabase, needs, onCleanup, requires, services, tempDir } from '../helpers/services.ts'
import type { ElasticsearchIndex } from '../../src/search/elasticsearch/elasticsearch-index.ts'

// A three-node Elasticsearch cluster on this machine (ES_NODES=3 npm run es:start: every node
// master-eligible and holding data, one replica of each shard). Under an import and a stream of
// searches and matches through the service: first the elected master is killed (SIGKILL) and
// started again, then every node is restarted in turn (stop, start, green). No request fails beyond
// the client's retries; the index ends holding exactly the store's live records at their versions.
// Three JVMs boot several times on a shared machine: this file gets more than the suite's 300 s.
t.setTimeout(900_000)

const PORT = 9271
const SIZE = 3
const HEAP = '256m'
const es3 = (command: 'start' | 'stop', dataDir: string, node?: number): Promise<string> => new Promise((resolve, reject) => {
  const env = node === undefined
    ? { ES_NODES: String(SIZE), ES_PORT: String(PORT), ES_DATA_DIR: dataDir }
    : { ES_NODES: '1', ES_PORT: String(PORT + node), ES_DATA_DIR: join(dataDir, `node-${node}`), ES_CLUSTER_NODE: String(node), ES_CLUSTER_SIZE: String(SIZE), ES_CLUSTER_BASE_PORT: String(PORT) }
  // Three JVMs booting at once next to other test files: more than the launcher's 180 s to green.
  execFile(process.execPath, ['dev/elasticsearch/es.mjs', command], { env: { ...process.env, ES_HEAP: HEAP, ES_START_TIMEOUT: '300', ...env } },
    (err, stdout, stderr) => err ? reject(new Error(`es ${command} ${node ?? 'all'}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout + stderr))
})
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const boot = (out: string) => /boot ([\d.]+ s)/.exec(out)?.[1] ?? '?'

t.test('three master-eligible nodes', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  if (!requires(t, existsSync('dev/elasticsearch/target/es-dev-launcher.jar'), 'the Elasticsearch launcher is not built (npm run es:start builds it)')) return
  const dataDir = await tempDir(t, 'es-cluster-master-')
  const pidOf = (i: number) => Number(readFileSync(join(dataDir, `node-${i}`, 'elasticsearch.pid'), 'utf8'))
  onCleanup(t, async () => {
    await es3('stop', dataDir).catch(() => {})
    // A node the stop did not reach (its pid file gone with a failed step) must not outlive the test.
    for (let i = 0; i < SIZE; i++) try { process.kill(pidOf(i), 'SIGKILL') } catch {}
  })
  await es3('start', dataDir)

  const urls = Array.from({ length: SIZE }, (_, i) => `http://127.0.0.1:${PORT + i}`).join(',')
  // Small indexing jobs, so that a fault falls in the middle of an import's indexing.
  const app = await testApp(t, { DATABASE_URL: await freshDatabase(t), ELASTICSEARCH_URL: urls, OUTBOX_LEASE_MS: '3000', OUTBOX_BATCH_SIZE: '20' })
  await app.parts.modelReady
  const es = app.parts.searchIndex as ElasticsearchIndex
  const db = app.parts.store.db
  // Every retry the client makes (another node, after a connection error or a 502/503/504).
  let retries = 0
  es.client.diagnostic.on('response', (_err, result) => { retries += result?.meta?.attempts ?? 0 })

  const health = async () => { try { return await es.client.cluster.health({}, { requestTimeout: 5000 }) } catch { return null } }
  const master = async (): Promise<number | null> => {
    try {
      const [row] = await es.client.cat.master({ format: 'json' }, { requestTimeout: 5000 })
      const m = /^node-(\d+)$/.exec(row?.node ?? '')
      return m ? Number(m[1]) : null
    } catch { return null }
  }
  const pending = async () => Number((await db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('done_at', 'is', null).executeTakeFirst())?.n)

  const org = (n: number, version: number) => ({
    name: `Laboratorio ${n}`,
    kind: 'research_centre',
    country: 'IT',
    description: `Ricerca su materiali, sensori e robotica, gruppo ${n}, revisione ${version}`,
    competencies: [`sensori ${n % 17}`],
    version
  })
  const upserts = (ids: number[], version: number) => ids.map((n) => JSON.stringify({ op: 'upsert', kind: 'organizations', id: `n-${n}`, record: org(n, version) }))
  const deletes = (ids: number[], version: number) => ids.map((n) => JSON.stringify({ op: 'delete', kind: 'organizations', id: `n-${n}`, version }))
  const bulk = async (lines: string[]) => {
    const res = await app.inject({ method: 'POST', url: '/v1/bulk', payload: lines.join('\n'), headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
    if (res.statusCode !== 200) throw new Error(`bulk import answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
    return res.json() as { created: number, updated: number, deleted: number, failed: number }
  }
  const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k)

  /** The index holds exactly the store's live records, each once, each at the store's version. */
  const sameAsStore = async (t: Test) => {
    await eventually(async () => (await pending()) === 0, 120_000, 'outbox drained')
    await es.refresh()
    const rows = await db.selectFrom('records').select(['id', 'version', 'deleted']).where('kind', '=', 'organizations').execute()
    const live = new Map(rows.filter((r) => !r.deleted).map((r) => [r.id, Number(r.version)]))
    const res = await es.client.search({ index: es.alias('organizations'), size: 10_000, version: true, _source: false, track_total_hits: true, query: { match_all: {} } })
    const seen = new Map<string, number>()
    const problems: string[] = []
    for (const h of res.hits.hits) {
      if (seen.has(h._id as string)) problems.push(`${h._id} twice`)
      seen.set(h._id as string, h._version as number)
      const want = live.get(h._id as string)
      if (want === undefined) problems.push(`${h._id} in the index, not live in the store`)
      else if (want !== h._version) problems.push(`${h._id} at version ${h._version}, the store has ${want}`)
    }
    for (const id of live.keys()) if (!seen.has(id)) problems.push(`${id} missing from the index`)
    t.equal((res.hits.total as { value: number }).value, live.size, `${live.size} live records in the index (${rows.length} in the store)`)
    t.same(problems, [], 'none lost, duplicated, stale or resurrected')
    return rows.length
  }

  /** Searches and matches, four at a time, until stopped (at the latest when `t` ends): what answered and what failed. */
  const load = (t: Test) => {
    const failures: string[] = []
    let answered = 0
    const streaming = { on: true }
    const done = Promise.all(Array.from({ length: 4 }, async (_, w) => {
      for (let k = 0; streaming.on; k++) {
        const res = k % 2
          ? await app.inject({ method: 'GET', url: `/v1/search?q=sensori%20${(w + k) % 17}&kinds=organizations`, headers: auth('read') })
          : await app.inject({ method: 'POST', url: '/v1/match/partners', payload: { organizationId: `n-${100 + ((w * 31 + k) % 100)}`, limit: 5 }, headers: auth('read') })
        if (res.statusCode === 200) answered++
        else failures.push(`${res.statusCode} ${res.body.slice(0, 200)}`)
        await pause(25)
      }
    }))
    const stop = async () => { streaming.on = false; await done; return { answered, failures } }
    onCleanup(t, stop)
    return stop
  }

  const N = 200
  t.equal((await bulk(upserts(range(0, N), 1))).created, N)
  await eventually(async () => { await es.refresh(); return (await es.count('organizations')) === N }, 120_000, 'first import indexed')
  const settings = await es.client.indices.getSettings({ index: es.alias('organizations') })
  t.equal(Object.values(settings)[0]?.settings?.index?.number_of_replicas, '1', 'one replica of each shard')
  await eventually(async () => (await health())?.status === 'green', 60_000, 'green with replicas')
  t.equal((await health())?.number_of_nodes, SIZE, `${SIZE} nodes`)

  await t.test('the elected master killed during an import', async (t) => {
    const killed = await master()
    t.not(killed, null, `node-${killed} is the elected master`)
    const stop = load(t)
    const retriesBefore = retries
    // New records, new versions of old ones and deletes, indexed in jobs of 20; the master dies
    // once some of them are in.
    const imported = await bulk([...upserts(range(N, N), 1), ...upserts(range(0, 60), 2), ...deletes(range(60, 20), 3)])
    t.same([imported.created, imported.updated, imported.deleted, imported.failed], [N, 60, 20, 0], 'the import accepted')
    const total = N + 80
    await eventually(async () => (await pending()) <= total - 40, 120_000, 'indexing under way')
    const left = await pending()
    const t0 = Date.now()
    process.kill(pidOf(killed as number), 'SIGKILL')
    t.ok(left > 0, `the master killed with ${left} of ${total} outbox rows still to index`)
    let elected: number | null = null
    await eventually(async () => { elected = await master(); return elected !== null && elected !== killed }, 60_000, 'another master elected')
    const electedMs = Date.now() - t0
    t.pass(`node-${elected} elected in ${seconds(electedMs)}`)
    await eventually(async () => (await health())?.number_of_nodes === SIZE - 1, 60_000, 'the cluster without the dead node')
    await eventually(async () => (await pending()) === 0, 180_000, 'the import indexed with the master dead')
    const drainedMs = Date.now() - t0
    t.pass(`the rest of the import indexed ${seconds(drainedMs)} after the kill`)

    const t1 = Date.now()
    const started = await es3('start', dataDir, killed as number)
    await eventually(async () => (await health())?.status === 'green', 120_000, 'green again')
    const greenMs = Date.now() - t1
    t.pass(`green ${seconds(greenMs)} after the killed node was started again`)
    const { answered, failures } = await stop()
    t.ok(answered > 20, `${answered} searches and matches answered`)
    t.same(failures, [], 'no request failed')
    const checked = await sameAsStore(t)
    const batchesRetried = Number((await db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('attempts', '>', 1).executeTakeFirst())?.n)
    t.comment(`figures: master-kill answered=${answered} failed=${failures.length} esClientRetries=${retries - retriesBefore} outboxRowsRetried=${batchesRetried} electedMs=${electedMs} drainedMs=${drainedMs} greenAfterStartMs=${greenMs} (boot to green ${boot(started)}) recordsChecked=${checked}`)
  })

  await t.test('a rolling restart of every node', async (t) => {
    const stop = load(t)
    const retriesBefore = retries
    // An import every second through the restarts: new versions of a rotating window.
    const importing = { on: true }
    let imports = 0
    let refused = 0
    let version = 10
    const importer = (async () => {
      while (importing.on) {
        const from = (imports * 20) % (2 * N)
        refused += (await bulk(upserts(range(from, 20), ++version))).failed
        imports++
        await pause(1000)
      }
    })()
    onCleanup(t, async () => { importing.on = false; await importer.catch(() => {}) })
    const steps: string[] = []
    for (let i = 0; i < SIZE; i++) {
      const t0 = Date.now()
      const wasMaster = (await master()) === i
      await es3('stop', dataDir, i)
      await eventually(async () => (await health())?.number_of_nodes === SIZE - 1, 60_000, `the cluster without node-${i}`)
      const started = await es3('start', dataDir, i)
      await eventually(async () => { const h = await health(); return h?.status === 'green' && h.number_of_nodes === SIZE }, 120_000, `green with node-${i} back`)
      steps.push(`node-${i}${wasMaster ? ' (master)' : ''} ${seconds(Date.now() - t0)} (boot to green ${boot(started)})`)
      t.pass(`node-${i}${wasMaster ? ', the master,' : ''} stopped, started, green in ${seconds(Date.now() - t0)}`)
    }
    importing.on = false
    await importer
    const { answered, failures } = await stop()
    t.ok(imports > 5, `${imports} imports during the restarts`)
    t.equal(refused, 0, 'every line of every import accepted')
    t.ok(answered > 20, `${answered} searches and matches answered`)
    t.same(failures, [], 'no request failed')
    const checked = await sameAsStore(t)
    t.comment(`figures: rolling-restart answered=${answered} failed=${failures.length} imports=${imports} esClientRetries=${retries - retriesBefore} steps=[${steps.join(', ')}] recordsChecked=${checked}`)
  })
})
