import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'

// Values that pass a JSON parser but that no store can hold (a NUL, half a surrogate pair) or that
// no timestamp can hold (a leap second): each is refused as bad input, naming the field, and
// every good line or request around it goes through.

const lines = (records: object[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n'
const goodOrg = (i: number) => ({ op: 'upsert', kind: 'organizations', id: `u-${i}`, record: { name: `Org ${i}`, kind: 'company', country: 'IT', competencies: ['meccatronica'], version: 1 } })

t.test('unstorable values on the embedded default', async (t) => {
  const app = await testApp(t)
  const bulk = (payload: string) =>
    app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
  const put = (id: string, body: unknown) => app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload: body as object, headers: auth('write') })

  t.test('a bulk import reports such lines by line and field; every good line lands', async (t) => {
    const good = Array.from({ length: 1200 }, (_, i) => goodOrg(i))
    // Written by hand: JSON.stringify would escape nothing here, but the file a portal sends may.
    const bad = [
      '{"op":"upsert","kind":"organizations","id":"bad-nul","record":{"name":"a\\u0000b","kind":"company","country":"IT"}}',
      '{"op":"upsert","kind":"organizations","id":"bad-surrogate","record":{"name":"a\\ud800b","kind":"company","country":"IT"}}',
      '{"op":"upsert","kind":"organizations","id":"bad-leap","record":{"name":"Leap","kind":"company","country":"IT","updatedAt":"2026-12-31T23:59:60Z"}}',
      '{"op":"upsert","kind":"organizations","id":"bad-key","record":{"name":"Key","kind":"company","country":"IT","competencies":["ok","x\\udc00"]}}'
    ]
    const file = lines(good.slice(0, 699)) + bad.join('\n') + '\n' + lines(good.slice(699))
    const res = await bulk(file)
    t.equal(res.statusCode, 200, 'the import answers with its summary')
    const s = res.json()
    t.equal(s.created, 1200, 'every good line landed, before and after the bad ones')
    t.equal(s.failed, 4)
    t.same(s.errors.map((e: { line: number }) => e.line), [700, 701, 702, 703])
    t.match(s.errors[0], { field: 'record.name', problem: /NUL/ })
    t.match(s.errors[1], { field: 'record.name', problem: /surrogate/ })
    t.match(s.errors[2], { field: 'record.updatedAt', problem: /date-time/ })
    t.match(s.errors[3], { field: 'record.competencies.1', problem: /surrogate/ })
    for (const id of ['u-0', 'u-698', 'u-699', 'u-1199']) {
      t.equal((await app.inject({ method: 'GET', url: `/v1/organizations/${id}`, headers: auth('read') })).statusCode, 200, `${id} stored`)
    }
    for (const id of ['bad-nul', 'bad-surrogate', 'bad-leap', 'bad-key']) {
      t.equal((await app.inject({ method: 'GET', url: `/v1/organizations/${id}`, headers: auth('read') })).statusCode, 404, `${id} not stored`)
    }
  })

  t.test('PUT refuses them with a 400 naming the field, and stores nothing', async (t) => {
    const cases: Array<[string, string, RegExp]> = [
      ['nul', '{"name":"a\\u0000b","kind":"company","country":"IT"}', /body\.name contains a NUL/],
      ['surrogate', '{"name":"a\\ud800b","kind":"company","country":"IT"}', /body\.name contains a lone UTF-16 surrogate/],
      ['leap', '{"name":"Leap","kind":"company","country":"IT","updatedAt":"2026-12-31T23:59:60Z"}', /body\.updatedAt must match format "date-time"/]
    ]
    for (const [id, payload, message] of cases) {
      const res = await app.inject({ method: 'PUT', url: `/v1/organizations/put-${id}`, payload, headers: { 'content-type': 'application/json', ...auth('write') } })
      t.equal(res.statusCode, 400, id)
      t.match(res.json().message, message, id)
      t.equal((await app.inject({ method: 'GET', url: `/v1/organizations/put-${id}`, headers: auth('read') })).statusCode, 404, `${id}: nothing stored`)
    }
  })

  t.test('feedback with a leap-second `at` and a delete with an out-of-range version are 400s', async (t) => {
    const fb = await app.inject({
      method: 'POST',
      url: '/v1/feedback',
      headers: auth('write'),
      payload: { events: [{ personId: 'p-1', itemKind: 'proposals', itemId: 'x', event: 'shown', at: '2026-12-31T23:59:60Z' }] }
    })
    t.equal(fb.statusCode, 400)
    t.match(fb.json().message, /events\.0\.at/)
    t.equal((await put('del-1', { name: 'D', kind: 'company', country: 'IT', version: 1 })).statusCode, 201)
    const del = await app.inject({ method: 'DELETE', url: '/v1/organizations/del-1?version=1e30', headers: auth('write') })
    t.equal(del.statusCode, 400)
    t.match(del.json().message, /querystring\.version/)
    t.equal((await app.inject({ method: 'GET', url: '/v1/organizations/del-1', headers: auth('read') })).statusCode, 200, 'still there')
  })

  t.test('an updatedAt before 1970 is stored, versioned and searchable', async (t) => {
    const res = await put('old-1', { name: 'Officine Storiche Lecchesi', kind: 'company', country: 'IT', competencies: ['fonderia'], updatedAt: '1969-07-20T20:17:00Z' })
    t.equal(res.statusCode, 201)
    t.match(res.json(), { outcome: 'created', version: Date.parse('1969-07-20T20:17:00Z'), revision: 1 })
    await eventually(async () => (await app.parts.searchIndex.versionOf('organizations', 'old-1')) === 1, 30_000, 'old-1 indexed')
    t.pass('indexed at revision 1')
    const older = await put('old-1', { name: 'Older', kind: 'company', country: 'IT', updatedAt: '1969-07-20T20:16:00Z' })
    t.equal(older.statusCode, 409, 'an earlier updatedAt is still older')
    const newer = await put('old-1', { name: 'Officine Storiche Lecchesi Srl', kind: 'company', country: 'IT', updatedAt: '1970-01-01T00:00:01Z' })
    t.equal(newer.statusCode, 200)
    t.equal(newer.json().revision, 1000, 'the revision follows the version once it is positive')
    await eventually(async () => (await app.parts.searchIndex.versionOf('organizations', 'old-1')) === 1000, 30_000, 'old-1 re-indexed')
    t.pass('re-indexed')
  })
})
