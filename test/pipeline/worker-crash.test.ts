import t from 'tap'
import { randomUUID } from 'node:crypto'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { exited, spawnScript } from '../helpers/processes.ts'
import { freshDatabase, modelsDir, needs, onCleanup, services } from '../helpers/services.ts'
import { ElasticsearchIndex } from '../../src/search/elasticsearch/elasticsearch-index.ts'

// A real worker process is killed with SIGKILL in the middle of indexing; a second one takes over.
t.test('a worker killed mid-batch: every record still ends up indexed, once', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  if (!await needs(t, 'Redis', services.redis)) return
  if (!await needs(t, 'Elasticsearch', services.elasticsearch)) return

  const run = randomUUID().slice(0, 8)
  const env = {
    DATABASE_URL: await freshDatabase(t),
    REDIS_URL: services.redis,
    ELASTICSEARCH_URL: services.elasticsearch,
    INDEX_PREFIX: `test-crash-${run}-`,
    QUEUE_NAME: `crash-${run}`,
    OUTBOX_LEASE_MS: '4000',
    MODELS_DIR: modelsDir,
    EMBEDDING_MODEL: 'all-minilm-l6-v2',
    EMBEDDING_ALLOW_REMOTE: 'false',
    EMBEDDING_ALLOW_MAVEN: 'false',
    LOG_LEVEL: 'info'
  }
  const es = new ElasticsearchIndex({ url: services.elasticsearch, prefix: env.INDEX_PREFIX })
  onCleanup(t, async () => {
    await es.client.indices.delete({ index: `${env.INDEX_PREFIX}*` }).catch(() => {})
    await es.close()
  })

  // The API accepts the import; it runs no workers itself.
  const api = await testApp(t, { ...env, RUN_WORKERS: 'false', LOG_LEVEL: 'silent' })
  const N = 600
  const words = ['robotica', 'fotonica', 'biotecnologie', 'materiali compositi', 'intelligenza artificiale', 'cybersecurity', 'energia solare', 'idrogeno']
  const lines = Array.from({ length: N }, (_, i) => JSON.stringify({
    op: 'upsert',
    kind: 'organizations',
    id: `crash-${i}`,
    record: {
      name: `Laboratorio ${i}`,
      kind: 'research_centre',
      country: 'IT',
      description: `Centro ${i} specializzato in ${words[i % 8]} e ${words[(i * 3) % 8]}, progetto numero ${i}`,
      competencies: [`${words[i % 8]} ${i}`, `${words[(i + 1) % 8]} avanzata ${i}`],
      needs: [`partner per ${words[(i + 2) % 8]} ${i}`],
      version: 1
    }
  })).join('\n')
  const res = await api.inject({ method: 'POST', url: '/v1/bulk', payload: lines, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
  t.equal(res.json().created, N)
  await es.ensureIndices()

  const first = spawnScript('workers/worker.ts', env)
  onCleanup(t, () => { first.kill('SIGKILL') })
  await eventually(async () => { await es.refresh(); return (await es.count('organizations')) > 0 }, 120_000, 'the first worker indexes something')
  first.kill('SIGKILL')
  await exited(first)
  await es.refresh()
  const atKill = await es.count('organizations')
  t.ok(atKill > 0 && atKill < N, `killed mid-import: ${atKill} of ${N} indexed`)

  const second = spawnScript('workers/worker.ts', env)
  onCleanup(t, async () => { second.kill('SIGTERM'); await exited(second) })
  await eventually(async () => { await es.refresh(); return (await es.count('organizations')) === N }, 180_000, 'all records indexed')
  // A row is marked done just after its documents are written: give the last batch a moment.
  await eventually(async () => {
    const pending = await api.parts.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('done_at', 'is', null).executeTakeFirst()
    return Number(pending?.n) === 0
  }, 30_000, 'outbox drained')
  t.pass('outbox drained')
  const ids = await es.client.search({ index: es.alias('organizations'), size: 0, aggs: { ids: { cardinality: { field: 'id', precision_threshold: 10000 } } } })
  t.equal((ids.aggregations?.ids as { value: number }).value, N, 'each record exactly once')
  t.equal(await es.count('organizations'), N, 'no duplicates, none missing')
})
