import t from 'tap'
import type { Test } from 'tap'
import { sql } from 'kysely'
import { testApp, auth } from '../helpers/app.ts'
import { freshDatabase, needs, services } from '../helpers/services.ts'

// Issue 32, cases 8 and 10: integers a client sends must fit what stores them. A ranker version
// past a Postgres integer gave a 500; record versions near 2^53 made revisions (version + changes)
// pass what a JavaScript number holds exactly, so replies named revisions Postgres did not store.

async function postgresApp (t: Test) {
  if (!await needs(t, 'Postgres', services.postgres)) return null
  return testApp(t, { DATABASE_URL: await freshDatabase(t) })
}

t.test('integers past their column are a 400 naming the field, never a 500 (case 8)', async (t) => {
  const app = await postgresApp(t)
  if (!app) return
  const admin = auth('admin')
  for (const version of [2_147_483_648, 2 ** 53, 1e20]) {
    const res = await app.inject({ method: 'PUT', url: '/v1/admin/ranker/active', headers: admin, payload: { version } })
    t.equal(res.statusCode, 400, `ranker version ${version}: 400`)
    t.match(res.json().problems, [{ field: 'body.version' }], 'naming body.version')
  }
  const largest = await app.inject({ method: 'PUT', url: '/v1/admin/ranker/active', headers: admin, payload: { version: 2_147_483_647 } })
  t.equal(largest.statusCode, 404, 'the largest integer a version can be: no such model, 404')
  t.equal(largest.json().code, 'RANKER_MODEL_NOT_FOUND')

  // Every other integer a request carries: bounded by its schema.
  for (const [method, url, payload, field] of [
    ['POST', '/v1/admin/ranker/train', { windowMonths: 2_147_483_648 }, 'body.windowMonths'],
    ['GET', '/v1/search?q=robotica&limit=2147483648', undefined, 'querystring.limit'],
    ['GET', '/v1/concepts?q=robotica&limit=2147483648', undefined, 'querystring.limit'],
    ['POST', '/v1/match/partners', { text: 'robotica', limit: 2_147_483_648 }, 'body.limit'],
    ['GET', '/v1/people/p-1/recommendations?limit=2147483648', undefined, 'querystring.limit'],
    ['GET', '/v1/proposals/q-1/candidates?limit=2147483648', undefined, 'querystring.limit']
  ] as const) {
    const res = await app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) })
    t.equal(res.statusCode, 400, `${method} ${url}: 400`)
    t.match(res.json().problems, [{ field }], `naming ${field}`)
  }
})

t.test('revisions stay exact: versions are bounded so that version + changes is a safe integer (case 10)', async (t) => {
  const app = await postgresApp(t)
  if (!app) return
  const write = auth('write')
  const org = { name: 'Fonderia Bergamasca', kind: 'company', country: 'IT' }
  const put = (id: string, body: object) => app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload: body, headers: write })
  const stored = async (id: string) => {
    const { rows } = await sql<{ revision: string, version: string | null }>`select revision::text as revision, version::text as version from records where kind = 'organizations' and id = ${id}`.execute(app.parts.store.db)
    return rows[0]
  }
  const MAX_VERSION = 2 ** 52

  // Past the bound: refused, naming the field, on every way a version comes in.
  for (const version of [MAX_VERSION + 1, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]) {
    const res = await put('o-refused', { ...org, version })
    t.equal(res.statusCode, 400, `PUT version ${version}: 400`)
    t.match(res.json().problems, [{ field: 'body.version' }])
    const del = await app.inject({ method: 'DELETE', url: `/v1/organizations/o-refused?version=${version}`, headers: write })
    t.equal(del.statusCode, 400, `DELETE ?version=${version}: 400`)
    t.match(del.json().problems, [{ field: 'querystring.version' }])
  }
  const lines = [
    { op: 'upsert', kind: 'organizations', id: 'o-bulk', record: { ...org, version: Number.MAX_SAFE_INTEGER } },
    { op: 'delete', kind: 'organizations', id: 'o-bulk', version: Number.MAX_SAFE_INTEGER }
  ].map((l) => JSON.stringify(l)).join('\n')
  const bulk = await app.inject({ method: 'POST', url: '/v1/bulk', payload: lines, headers: { 'content-type': 'application/x-ndjson', ...write } })
  t.match(bulk.json(), { failed: 2, errors: [{ line: 1, field: 'record.version' }, { line: 2, field: 'version' }] }, 'bulk lines past the bound are reported')
  t.notOk(await stored('o-refused'), 'nothing stored')

  // At the bound: every reply names the revision Postgres stored, one more per change, none skipped.
  const replies: number[] = []
  const check = async (what: string, res: { statusCode: number, json: () => { revision: number } }) => {
    const revision = res.json().revision
    replies.push(revision)
    t.equal(String(revision), (await stored('o-top'))?.revision, `${what}: the reply's revision is the stored one (${revision})`)
  }
  await check('PUT at the bound', await put('o-top', { ...org, version: MAX_VERSION }))
  t.equal((await stored('o-top'))?.version, String(MAX_VERSION))
  for (let i = 1; i <= 3; i++) await check(`unversioned PUT ${i}`, await put('o-top', { ...org, name: `${org.name} ${i}` }))
  await check('unversioned DELETE', await app.inject({ method: 'DELETE', url: '/v1/organizations/o-top', headers: write }))
  await check('unversioned PUT after the delete', await put('o-top', { ...org, name: 'back' }))
  t.same(replies, replies.map((_, i) => MAX_VERSION + i), 'consecutive revisions from the version on')
  t.ok(replies.every((r) => Number.isSafeInteger(r)), 'every revision a safe integer')
  const got = await app.inject({ method: 'GET', url: '/v1/organizations/o-top', headers: auth('read') })
  t.equal(got.json().version, MAX_VERSION, 'the version reads back as written')
})
