import t from 'tap'
import type { Test } from 'tap'
import { testApp, auth, eventually, KEYS } from '../helpers/app.ts'
import { freshDatabase, needs, services } from '../helpers/services.ts'
import { ORGS } from '../helpers/sample-orgs.ts'

// Issue 32, case 11: the auth scheme is case-insensitive (RFC 9110 §11.1), and a cursor is one this
// service issued: the real fingerprint with another offset was accepted. Cursors are signed, with a
// key kept in the store, so every API process on one database accepts the others' cursors.

t.test('the Bearer scheme in any case', async (t) => {
  const app = await testApp(t)
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
    const res = await app.inject({ method: 'GET', url: '/v1/organizations/o-none', headers: { authorization: `${scheme} ${KEYS.read}` } })
    t.equal(res.statusCode, 404, `${scheme}: the key is read (404 for the missing record, not 401)`)
  }
  const bad = await app.inject({ method: 'GET', url: '/v1/organizations/o-none', headers: { authorization: 'bearer not-a-key-0123456789' } })
  t.equal(bad.statusCode, 401, 'a wrong key in lower case is still refused')
  t.equal(bad.json().code, 'API_KEY_INVALID')
  const basic = await app.inject({ method: 'GET', url: '/v1/organizations/o-none', headers: { authorization: `Basic ${KEYS.read}` } })
  t.equal(basic.statusCode, 401, 'another scheme is no key')
  t.equal(basic.json().code, 'API_KEY_MISSING')
})

/** The offset and fingerprint a cursor carries, and the cursor rebuilt with another offset, as a forger would. */
function forge (cursor: string, offset: number): string[] {
  const [payload, signature] = cursor.split('.') as [string, string | undefined]
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { o: number, f: string }
  const forged = Buffer.from(JSON.stringify({ ...decoded, o: offset })).toString('base64url')
  return signature === undefined ? [forged] : [forged, `${forged}.${signature}`]
}

async function withData (t: Test, env: Record<string, string>) {
  const app = await testApp(t, env)
  const put = (kind: string, id: string, body: object) => app.inject({ method: 'PUT', url: `/v1/${kind}/${id}`, payload: body, headers: auth('write') })
  for (const [id, body] of ORGS) t.equal((await put('organizations', id, body)).statusCode, 201)
  t.equal((await put('people', 'p-1', { name: 'Giulia Rossi', interests: ['IoT sensors', 'predictive maintenance', 'robotics'] })).statusCode, 201)
  for (const i of [2, 3, 4]) t.equal((await put('people', `p-${i}`, { name: `Esperta ${i}`, expertise: ['IoT sensors', 'condition monitoring'] })).statusCode, 201)
  for (const [id, title, seeks] of [['q-1', 'Sensori per il monitoraggio delle macchine', ['IoT sensors', 'condition monitoring']], ['q-2', 'Manutenzione predittiva', ['predictive maintenance']], ['q-3', 'Robotica per la logistica', ['robotics']]] as const) {
    t.equal((await put('proposals', id, { kind: 'technology_request', title, seeks })).statusCode, 201)
  }
  await eventually(async () => {
    await app.parts.searchIndex.refresh()
    return (await app.parts.searchIndex.count('organizations')) === ORGS.length && (await app.parts.searchIndex.count('proposals')) === 3 && (await app.parts.searchIndex.count('people')) === 4
  }, 60_000, 'indexed')
  return app
}

const ROUTES = [
  { name: 'search', method: 'GET' as const, url: (c?: string) => `/v1/search?q=sensors%20maintenance&kinds=organizations,proposals&limit=1${c ? `&cursor=${c}` : ''}` },
  { name: 'partner match', method: 'POST' as const, url: () => '/v1/match/partners', payload: (c?: string) => ({ text: 'IoT sensors and predictive maintenance', limit: 1, ...(c ? { cursor: c } : {}) }) },
  { name: 'recommendations', method: 'GET' as const, url: (c?: string) => `/v1/people/p-1/recommendations?limit=1${c ? `&cursor=${c}` : ''}` },
  { name: 'candidates', method: 'GET' as const, url: (c?: string) => `/v1/proposals/q-1/candidates?limit=1${c ? `&cursor=${c}` : ''}` }
]

t.test('a forged cursor is refused on every route that issues cursors; an issued one works in every process', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const database = await freshDatabase(t)
  const app = await withData(t, { DATABASE_URL: database })
  const call = (a: typeof app, r: typeof ROUTES[number], cursor?: string) =>
    a.inject({ method: r.method, url: r.url(cursor), headers: auth('read'), ...(r.payload ? { payload: r.payload(cursor) } : {}) })

  const issued = new Map<string, { cursor: string, second: string[] }>()
  for (const r of ROUTES) {
    const first = await call(app, r)
    t.equal(first.statusCode, 200, `${r.name}: first page`)
    const cursor = first.json().nextCursor as string | null
    if (!cursor) { t.fail(`${r.name}: a next page`); continue }
    const second = await call(app, r, cursor)
    t.equal(second.statusCode, 200, `${r.name}: the issued cursor is accepted`)
    issued.set(r.name, { cursor, second: second.json().results.map((x: { id: string }) => x.id) })
    for (const forged of forge(cursor, 2)) {
      const res = await call(app, r, forged)
      t.equal(res.statusCode, 400, `${r.name}: the issued fingerprint with another offset is refused`)
      t.equal(res.json().code, 'CURSOR_INVALID')
      t.match(res.json().message, /cursor/, 'naming cursor')
    }
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`
    t.equal((await call(app, r, tampered)).statusCode, 400, `${r.name}: a cursor with a byte changed is refused`)
  }

  // A second API process on the same database: the same key, so the first one's cursors work there.
  const other = await testApp(t, { DATABASE_URL: database })
  await eventually(async () => {
    await other.parts.searchIndex.refresh()
    return (await other.parts.searchIndex.count('organizations')) === ORGS.length && (await other.parts.searchIndex.count('proposals')) === 3 && (await other.parts.searchIndex.count('people')) === 4
  }, 60_000, 'the second process indexed')
  await other.parts.modelReady
  for (const r of ROUTES) {
    const got = issued.get(r.name)
    if (!got) continue
    const res = await call(other, r, got.cursor)
    t.equal(res.statusCode, 200, `${r.name}: another process accepts the cursor`)
    t.same(res.json().results.map((x: { id: string }) => x.id), got.second, `${r.name}: and serves the same page`)
  }
})
