import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { freshDatabase, needs, onCleanup, requires, services, tempDir } from '../helpers/services.ts'
import type { ElasticsearchIndex } from '../../src/search/elasticsearch/elasticsearch-index.ts'

// A two-node Elasticsearch cluster on this machine (npm run es:start with ES_NODES=2), its data node
// killed (SIGKILL) in the middle of an import and of a stream of searches and matches, then started
// again: no request fails beyond the client's retries, nothing accepted is lost, the cluster goes
// green again.
const PORT = 9281
const cluster = (command: 'start' | 'stop', dataDir: string): Promise<string> => new Promise((resolve, reject) => {
  execFile(process.execPath, ['dev/elasticsearch/es.mjs', command], { env: { ...process.env, ES_NODES: '2', ES_PORT: String(PORT), ES_HEAP: '256m', ES_DATA_DIR: dataDir } },
    (err, stdout, stderr) => err ? reject(new Error(`es ${command}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout + stderr))
})
const nodeStart = (dataDir: string, i: number): Promise<string> => new Promise((resolve, reject) => {
  execFile(process.execPath, ['dev/elasticsearch/es.mjs', 'start'], {
    env: { ...process.env, ES_NODES: '1', ES_PORT: String(PORT + i), ES_HEAP: '256m', ES_DATA_DIR: join(dataDir, `node-${i}`), ES_CLUSTER_NODE: String(i), ES_CLUSTER_SIZE: '2', ES_CLUSTER_BASE_PORT: String(PORT) }
  }, (err, stdout, stderr) => err ? reject(new Error(`node ${i}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout + stderr))
})

t.test('two nodes, one killed during an import and a stream of requests', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  if (!requires(t, existsSync('dev/elasticsearch/target/es-dev-launcher.jar'), 'the Elasticsearch launcher is not built (npm run es:start builds it)')) return
  const dataDir = await tempDir(t, 'es-cluster-')
  await cluster('start', dataDir)
  onCleanup(t, () => cluster('stop', dataDir).catch(() => {}))

  const urls = [PORT, PORT + 1].map((p) => `http://127.0.0.1:${p}`).join(',')
  const app = await testApp(t, { DATABASE_URL: await freshDatabase(t), ELASTICSEARCH_URL: urls, OUTBOX_LEASE_MS: '3000' })
  await app.parts.modelReady
  const es = app.parts.searchIndex as ElasticsearchIndex
  const N = 400
  const lines = (from: number, n: number) => Array.from({ length: n }, (_, k) => JSON.stringify({
    op: 'upsert',
    kind: 'organizations',
    id: `n-${from + k}`,
    record: { name: `Laboratorio ${from + k}`, kind: 'research_centre', country: 'IT', description: `Ricerca su materiali, sensori e robotica, gruppo ${from + k}`, competencies: [`sensori ${(from + k) % 17}`], version: 1 }
  })).join('\n')
  const bulk = (payload: string) => app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
  t.equal((await bulk(lines(0, N / 2))).json().created, N / 2)
  await eventually(async () => { await es.refresh(); return (await es.count('organizations')) === N / 2 }, 120_000, 'first half indexed')
  const settings = await es.client.indices.getSettings({ index: es.alias('organizations') })
  t.equal(Object.values(settings)[0]?.settings?.index?.number_of_replicas, '1', 'a replica on the second node')
  await eventually(async () => (await es.client.cluster.health()).status === 'green', 60_000, 'green with replicas')

  // A stream of searches and matches, four at a time, through the kill and the restart.
  const failures: string[] = []
  let answered = 0
  const streaming = { on: true }
  const stream = Promise.all(Array.from({ length: 4 }, async (_, w) => {
    for (let k = 0; streaming.on; k++) {
      const res = k % 2
        ? await app.inject({ method: 'GET', url: `/v1/search?q=sensori%20${(w + k) % 17}&kinds=organizations`, headers: auth('read') })
        : await app.inject({ method: 'POST', url: '/v1/match/partners', payload: { organizationId: `n-${(w * 31 + k) % (N / 2)}`, limit: 5 }, headers: auth('read') })
      if (res.statusCode === 200) answered++
      else failures.push(`${res.statusCode} ${res.body.slice(0, 200)}`)
    }
  }))

  // The second half of the import, and the data node killed while it is indexed.
  t.equal((await bulk(lines(N / 2, N / 2))).json().created, N / 2, 'the second half accepted')
  const pid = Number(readFileSync(join(dataDir, 'node-1', 'elasticsearch.pid'), 'utf8'))
  process.kill(pid, 'SIGKILL')
  await eventually(async () => (await es.client.cluster.health()).number_of_nodes === 1, 60_000, 'the cluster sees one node')
  await eventually(async () => { await es.refresh(); return (await es.count('organizations')) === N }, 180_000, 'everything indexed on the surviving node')
  t.pass('all accepted records indexed with one node down')

  await nodeStart(dataDir, 1)
  await eventually(async () => (await es.client.cluster.health()).status === 'green', 120_000, 'green again')
  t.pass('green again once the node is back')
  streaming.on = false
  await stream
  t.ok(answered > 20, `${answered} searches and matches answered`)
  t.same(failures, [], 'no request failed')
  const ids = await es.client.search({ index: es.alias('organizations'), size: 0, aggs: { ids: { cardinality: { field: 'id' } } } })
  t.equal((ids.aggregations?.ids as { value: number }).value, N, 'each record once')
  await eventually(async () => {
    const pending = await app.parts.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('done_at', 'is', null).executeTakeFirst()
    return Number(pending?.n) === 0
  }, 60_000, 'outbox drained')
  t.pass('outbox drained')
})
