import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'

const lines = (records: object[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n'

t.test('POST /v1/bulk', async (t) => {
  const app = await testApp(t)
  const bulk = (payload: string, headers: Record<string, string> = auth('write')) =>
    app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson', ...headers } })

  const good = Array.from({ length: 1200 }, (_, i) => ({
    op: 'upsert',
    kind: i % 2 ? 'organizations' : 'proposals',
    id: `b-${i}`,
    record: i % 2
      ? { name: `Org ${i}`, kind: 'university', country: 'IT', competencies: ['fotonica'], version: 1 }
      : { kind: 'collaboration', title: `Proposta ${i}`, seeks: ['fotonica'], version: 1 }
  }))
  const file = lines(good.slice(0, 600)) +
    '{"op":"upsert","kind":"organizations","id":"bad-1","record":{"name":7,"kind":"company","country":"IT"}}\n' +
    'not json at all\n' +
    '{"op":"upsert","kind":"starships","id":"x","record":{}}\n' +
    '{"op":"upsert","kind":"people","id":"has space","record":{}}\n' +
    '{"op":"teleport","kind":"people","id":"p"}\n' +
    lines(good.slice(600)) +
    lines([{ op: 'delete', kind: 'proposals', id: 'b-0' }, { op: 'delete', kind: 'proposals', id: 'never-was' }])

  t.test('good lines land, bad lines are reported by line and field', async (t) => {
    const res = await bulk(file)
    t.equal(res.statusCode, 200)
    const s = res.json()
    t.equal(s.lines, 1207)
    t.equal(s.created, 1200)
    t.equal(s.deleted, 1)
    t.equal(s.notFound, 1)
    t.equal(s.failed, 5)
    t.same(s.errors.map((e: { line: number }) => e.line), [601, 602, 603, 604, 605])
    t.match(s.errors[0], { field: 'record.name', problem: /string/ })
    t.match(s.errors[1], { field: 'line', problem: /JSON/ })
    t.match(s.errors[2], { field: 'kind' })
    t.match(s.errors[3], { field: 'id' })
    t.match(s.errors[4], { field: 'op' })
    const org = await app.inject({ method: 'GET', url: '/v1/organizations/b-1', headers: auth('read') })
    t.equal(org.json().name, 'Org 1')
    t.equal((await app.inject({ method: 'GET', url: '/v1/organizations/bad-1', headers: auth('read') })).statusCode, 404)
  })

  t.test('replaying the same file changes nothing', async (t) => {
    const outboxBefore = await app.parts.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst()
    const s = (await bulk(file)).json()
    t.equal(s.created, 0)
    t.equal(s.updated, 0)
    t.equal(s.unchanged, 1200, '1199 upserts and the delete')
    t.equal(s.stale, 1, 'the upsert of the since-deleted b-0')
    t.equal(s.deleted, 0, 'the delete is already applied')
    const outboxAfter = await app.parts.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst()
    t.equal(Number(outboxAfter?.n), Number(outboxBefore?.n), 'no new outbox rows: nothing to re-index')
  })

  t.test('the import reaches the index, once per record', async (t) => {
    await eventually(async () => (await app.parts.searchIndex.count('organizations')) === 600 && (await app.parts.searchIndex.count('proposals')) === 599, 120_000, 'bulk indexed')
    t.pass('600 organizations and 599 proposals indexed')
  })

  t.test('needs the write scope and the NDJSON content type', async (t) => {
    t.equal((await bulk(file, auth('read'))).statusCode, 403)
    t.equal((await bulk(file, {})).statusCode, 401)
    const res = await app.inject({ method: 'POST', url: '/v1/bulk', payload: { a: 1 }, headers: auth('write') })
    t.equal(res.statusCode, 415)
  })
})

t.test('GET /v1/status shows the index catching up with the store', async (t) => {
  const app = await testApp(t)
  const s0 = await app.inject({ method: 'GET', url: '/v1/status', headers: auth('write') })
  t.equal(s0.statusCode, 403, 'admin only')
  const res = await app.inject({
    method: 'POST',
    url: '/v1/bulk',
    payload: lines(Array.from({ length: 50 }, (_, i) => ({ op: 'upsert', kind: 'communities', id: `c-${i}`, record: { title: `Comunità ${i}`, version: 1 } }))),
    headers: { 'content-type': 'application/x-ndjson', ...auth('write') }
  })
  t.equal(res.json().created, 50)
  await eventually(async () => {
    const s = (await app.inject({ method: 'GET', url: '/v1/status', headers: auth('admin') })).json()
    return s.kinds.find((k: { kind: string }) => k.kind === 'communities').inSync
  }, 60_000, 'communities in sync')
  const s = (await app.inject({ method: 'GET', url: '/v1/status', headers: auth('admin') })).json()
  t.match(s.kinds.find((k: { kind: string }) => k.kind === 'communities'), { rows: 50, documents: 50, pendingOutbox: 0, inSync: true })
  t.match(s, { queue: { adapter: 'in-process', failed: 0 }, store: 'pglite', searchIndex: 'embedded', model: 'all-minilm-l6-v2', semanticMatching: true, vectorCache: { storeReads: Number, memoryHits: Number, warmup: { state: /^(waiting|running|done)$/, vectors: Number } } })
})
