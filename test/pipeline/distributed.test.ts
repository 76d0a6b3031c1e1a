import t from 'tap'
import { contentHash } from '../../src/domain/facets.ts'
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { freshDatabase, needs, onCleanup, services } from '../helpers/services.ts'
import type { ElasticsearchIndex } from '../../src/search/elasticsearch/elasticsearch-index.ts'

// The distributed engine: Postgres + BullMQ on Redis + Elasticsearch, all real.
t.test('pipeline on Postgres, Redis and Elasticsearch', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  if (!await needs(t, 'Redis', services.redis)) return
  if (!await needs(t, 'Elasticsearch', services.elasticsearch)) return

  const run = randomUUID().slice(0, 8)
  const database = await freshDatabase(t)
  const prefix = `test-${run}-`
  const app = await testApp(t, {
    DATABASE_URL: database,
    REDIS_URL: services.redis,
    ELASTICSEARCH_URL: services.elasticsearch,
    INDEX_PREFIX: prefix,
    OUTBOX_LEASE_MS: '1500'
  })
  const es = app.parts.searchIndex as ElasticsearchIndex
  onCleanup(t, () => es.client.indices.delete({ index: `${prefix}*` }).catch(() => {}))
  await app.parts.modelReady
  t.ok(app.parts.embedder.available, 'model loaded')
  const id = (n: number | string) => `${run}-${n}`
  const put = (kind: string, key: string, body: object) =>
    app.inject({ method: 'PUT', url: `/v1/${kind}/${key}`, payload: body, headers: auth('write') })

  t.test('writes become searchable documents with vectors per facet', async (t) => {
    for (let n = 0; n < 20; n++) {
      const res = await put('organizations', id(n), { name: `Org ${n}`, kind: 'company', country: 'IT', competencies: [`competenza ${n % 5}`, 'robotica'], needs: ['finanziamenti'], version: 1 })
      t.equal(res.statusCode, 201)
    }
    await eventually(async () => { await es.refresh(); return (await es.count('organizations')) === 20 }, 60_000, '20 documents')
    // Elasticsearch 9 leaves vectors out of _source unless asked.
    const doc = await es.client.get({ index: es.alias('organizations'), id: id(0) }, { querystring: { _source_exclude_vectors: false } })
    const source = doc._source as Record<string, unknown>
    t.equal((source.vec_competencies as number[]).length, 384)
    t.equal((source.vec_needs as number[]).length, 384)
    // Vectors travel as base64 big-endian float32: what comes back is the stored vector, value for value.
    const stored = (await app.pipeline!.cache.getMany('all-minilm-l6-v2', [contentHash('finanziamenti')])).get(contentHash('finanziamenti'))
    // Elasticsearch prints each float32 in its shortest decimal form, so rounding that decimal to float32
    // gives back the stored value exactly (rounding both to 6 decimals can differ at a half-way point).
    t.same((source.vec_needs as number[]).map((x) => Math.fround(x)), Array.from(stored as Float32Array), 'the needs vector round-trips')
    t.equal(source.model, 'all-minilm-l6-v2')
    t.equal(doc._version, 1, 'the index holds the store version')
  })

  t.test('an unchanged text is never embedded twice', async (t) => {
    const n = await app.pipeline!.cache.count('all-minilm-l6-v2')
    // 20 profiles, 5 distinct competency texts, 1 shared needs text.
    const res = await put('organizations', id('twin'), { name: 'Org 0', kind: 'company', country: 'IT', competencies: ['competenza 0', 'robotica'], needs: ['finanziamenti'], version: 1 })
    t.equal(res.statusCode, 201)
    await eventually(async () => (await es.versionOf('organizations', id('twin'))) === 1, 30_000, 'twin indexed')
    const profileOnlyNew = await app.pipeline!.cache.count('all-minilm-l6-v2')
    t.equal(profileOnlyNew, n, 'a record made of seen texts adds no vector')
  })

  t.test('concurrent updates of one record: the newest version wins in Postgres and in the index', async (t) => {
    const versions = Array.from({ length: 12 }, (_, i) => i + 1).sort(() => Math.random() - 0.5)
    const results = await Promise.all(versions.map((v) => put('organizations', id('hot'), { name: `Version ${v}`, kind: 'company', country: 'IT', version: v })))
    t.ok(results.every((r) => [200, 201, 409].includes(r.statusCode)), 'every write answered')
    const stored = await app.inject({ method: 'GET', url: `/v1/organizations/${id('hot')}`, headers: auth('read') })
    t.equal(stored.json().name, 'Version 12')
    await eventually(async () => (await es.versionOf('organizations', id('hot'))) === 12, 30_000, 'v12 indexed')
    await es.refresh()
    const doc = await es.client.get({ index: es.alias('organizations'), id: id('hot') })
    t.equal((doc._source as { title: string }).title, 'Version 12')
  })

  t.test('Redis flushed: the relay re-enqueues from the outbox; nothing is lost', async (t) => {
    const redis = new Redis(services.redis)
    onCleanup(t, () => redis.quit())
    // A writer without workers puts jobs on its own queue; they are flushed away before anyone runs them.
    const queueName = `flush-${run}`
    const writer = await testApp(t, { DATABASE_URL: database, REDIS_URL: services.redis, ELASTICSEARCH_URL: services.elasticsearch, INDEX_PREFIX: prefix, QUEUE_NAME: queueName, RUN_WORKERS: 'false' })
    await app.pipeline!.relay.stop()
    for (let n = 0; n < 10; n++) {
      const res = await writer.inject({ method: 'PUT', url: `/v1/proposals/${id(`p${n}`)}`, payload: { kind: 'collaboration', title: `Proposal ${n}`, seeks: ['robotica'], version: 1 }, headers: auth('write') })
      t.equal(res.statusCode, 201)
    }
    const { OutboxRelay } = await import('../../src/pipeline/outbox-relay.ts')
    const enqueued = await new OutboxRelay(writer.parts.store.db, writer.parts.queue, { leaseMs: 1500 }).pass()
    t.ok(enqueued >= 10, `${enqueued} rows enqueued`)
    // Redis loses the queue's data (only this queue's keys: other test files may run beside this one).
    const keys = await redis.keys(`bull:${queueName}:*`)
    t.ok(keys.length > 0, `the queue's ${keys.length} keys are in Redis`)
    t.equal(await redis.del(...keys), keys.length, 'and are gone')
    t.equal(await es.count('proposals'), 0, 'nothing indexed before the flush')
    // A worker process on the same queue comes up after the flush: only the outbox can tell it what to do.
    const worker = await testApp(t, { DATABASE_URL: database, REDIS_URL: services.redis, ELASTICSEARCH_URL: services.elasticsearch, INDEX_PREFIX: prefix, QUEUE_NAME: queueName, OUTBOX_LEASE_MS: '1500' })
    t.ok(worker.pipeline, 'worker runs the pipeline')
    await eventually(async () => { await es.refresh(); return (await es.count('proposals')) === 10 }, 60_000, '10 proposals indexed after the flush')
    // The job marks its outbox rows done after the index answered: a moment after the documents show.
    const pending = async () => Number((await app.parts.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('done_at', 'is', null).where('record_id', 'like', `${run}-%`).executeTakeFirst())?.n)
    await eventually(async () => (await pending()) === 0, 30_000, 'the outbox drained').catch(() => {})
    t.equal(await pending(), 0, 'outbox drained')
    app.pipeline!.relay.start()
  })

  t.test('delete removes the document from Elasticsearch', async (t) => {
    const res = await app.inject({ method: 'DELETE', url: `/v1/organizations/${id(1)}`, headers: auth('write') })
    t.equal(res.json().outcome, 'deleted')
    await eventually(async () => (await es.versionOf('organizations', id(1))) === null, 30_000, 'deleted from index')
    t.pass('gone from the index')
  })

  t.test('reindex builds new indices from stored vectors and swaps the aliases', async (t) => {
    await es.refresh()
    const before = await es.count('organizations')
    const oldIndex = Object.keys(await es.client.indices.getAlias({ name: es.alias('organizations') }))
    const vectorsBefore = await app.pipeline!.cache.count('all-minilm-l6-v2')
    const { execFile } = await import('node:child_process')
    const out = await new Promise<string>((resolve, reject) => execFile('node', ['--import=tsx', 'src/cli/reindex.ts'], {
      env: { ...process.env, DATABASE_URL: database, REDIS_URL: services.redis, ELASTICSEARCH_URL: services.elasticsearch, INDEX_PREFIX: prefix, QUEUE_NAME: `reindex-${run}`, RUN_WORKERS: 'false', MODELS_DIR: 'models', EMBEDDING_MODEL: 'all-minilm-l6-v2', EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false', LOG_LEVEL: 'silent' }
    }, (err, stdout, stderr) => err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)))
    t.match(out, /reindexed \d+ documents/)
    t.match(out, /embedded 0\)/, 'no text embedded again')
    const newIndex = Object.keys(await es.client.indices.getAlias({ name: es.alias('organizations') }))
    t.not(newIndex[0], oldIndex[0], 'alias points at a new index')
    t.equal(await es.client.indices.exists({ index: oldIndex[0] as string }), false, 'old index dropped')
    t.equal(await es.count('organizations'), before, 'same documents')
    t.equal(await app.pipeline!.cache.count('all-minilm-l6-v2'), vectorsBefore, 'no new vectors')
  })
})
