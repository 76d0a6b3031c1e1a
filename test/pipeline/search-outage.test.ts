import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { esLauncher } from '../helpers/processes.ts'
import { freshDatabase, needs, onCleanup, requires, services, tempDir } from '../helpers/services.ts'
import { existsSync } from 'node:fs'
import type { ElasticsearchIndex } from '../../src/search/elasticsearch/elasticsearch-index.ts'

// A private Elasticsearch node is really stopped in the middle of an import and started again.
const PORT = 9251

t.test('Elasticsearch stopped during an import: writes are still accepted; the index catches up after restart', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  if (!requires(t, existsSync('dev/elasticsearch/target/es-dev-launcher.jar'), 'the Elasticsearch launcher is not built (npm run es:start builds it)')) return
  const dataDir = await tempDir(t, 'es-outage-')
  await esLauncher('start', PORT, dataDir)
  onCleanup(t, () => esLauncher('stop', PORT, dataDir).catch(() => {}))

  const app = await testApp(t, { DATABASE_URL: await freshDatabase(t), ELASTICSEARCH_URL: `http://127.0.0.1:${PORT}`, OUTBOX_LEASE_MS: '2000' })
  const es = app.parts.searchIndex as ElasticsearchIndex
  const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({
    op: 'upsert', kind: 'proposals', id: `out-${from + i}`, record: { kind: 'technology_offer', title: `Offerta tecnologica ${from + i}`, offers: [`brevetto ${from + i}`], version: 1 }
  })).join('\n')
  const bulk = (payload: string) => app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })

  t.equal((await bulk(batch(0, 100))).json().created, 100)
  await eventually(async () => { await es.refresh(); return (await es.count('proposals')) === 100 }, 60_000, 'first half indexed')

  await esLauncher('stop', PORT, dataDir)
  const during = await bulk(batch(100, 100))
  t.equal(during.statusCode, 200)
  t.equal(during.json().created, 100, 'writes accepted while the index is down')
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503, '/ready says the index is down')
  const stored = await app.inject({ method: 'GET', url: '/v1/proposals/out-150', headers: auth('read') })
  t.equal(stored.statusCode, 200, 'and the store has them')

  // Let jobs fail for real, until one has exhausted its attempts.
  const status = async () => (await app.inject({ method: 'GET', url: '/v1/status', headers: auth('admin') })).json()
  await eventually(async () => (await status()).failedJobs.length > 0, 120_000, 'an indexing job failed for good')
  const failing = await status()
  t.ok(failing.failing.records > 0 && failing.failing.records <= 100, `/v1/status shows what is failing now: ${failing.failing.records} records`)
  t.match(failing.failing.recent[0], { kind: 'proposals', id: /^out-/ })
  await esLauncher('start', PORT, dataDir)
  await eventually(async () => {
    try { await es.refresh(); return (await es.count('proposals')) === 200 } catch { return false }
  }, 120_000, 'the index caught up')
  t.pass('all 200 proposals indexed after the restart')
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
  await eventually(async () => (await status()).failing.records === 0, 30_000, 'nothing failing')
  t.same((await status()).failedJobs, [], 'jobs that failed before the restart are no longer listed once their records are indexed')
})
