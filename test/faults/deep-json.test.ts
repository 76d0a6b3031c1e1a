import t from 'tap'
import { testApp, auth } from '../helpers/app.ts'
import { MAX_JSON_DEPTH } from '../../src/domain/json-depth.ts'

// Issue 32, case 3: a body nested thousands deep overflowed the stack of the recursive checks (a
// 500), and such a bulk line aborted the import, losing the lines after it. Every body is now
// walked without recursion and refused past MAX_JSON_DEPTH levels with a 400 naming the field.

/** An array nested `depth` levels deep: [[[...]]]. */
const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
/** The field (dotted, as problems name it) of the first value past the limit, under `field`, the body being level 1. */
const pastLimit = (prefix: string, field: string) => [prefix, field, ...Array(MAX_JSON_DEPTH - 1).fill('0')].join('.')

t.test('a deeply nested body is a 400 naming the field on every JSON route', async (t) => {
  const app = await testApp(t)
  const routes: Array<{ method: 'PUT' | 'POST', url: string, scope: 'write' | 'read' | 'admin', body: (d: string) => string, field: string }> = [
    { method: 'PUT', url: '/v1/organizations/deep-1', scope: 'write', body: (d) => `{"name":"Deep","kind":"company","country":"IT","competencies":${d}}`, field: 'competencies' },
    { method: 'PUT', url: '/v1/projects/deep-2', scope: 'write', body: (d) => `{"title":"Deep","participants":${d}}`, field: 'participants' },
    { method: 'POST', url: '/v1/match/partners', scope: 'read', body: (d) => `{"text":"sensori industriali","competencies":${d}}`, field: 'competencies' },
    { method: 'POST', url: '/v1/feedback', scope: 'write', body: (d) => `{"events":${d}}`, field: 'events' },
    { method: 'POST', url: '/v1/admin/ranker/train', scope: 'admin', body: (d) => `{"windowMonths":${d}}`, field: 'windowMonths' },
    { method: 'PUT', url: '/v1/admin/ranker/active', scope: 'admin', body: (d) => `{"version":${d}}`, field: 'version' },
    { method: 'POST', url: '/v1/concepts/link', scope: 'read', body: (d) => `{"phrases":${d}}`, field: 'phrases' }
  ]
  for (const route of routes) {
    for (const depth of [8_000, 100_000]) {
      const res = await app.inject({ method: route.method, url: route.url, payload: route.body(deep(depth)), headers: { 'content-type': 'application/json', ...auth(route.scope) } })
      const what = `${route.method} ${route.url}, depth ${depth}`
      t.equal(res.statusCode, 400, what)
      const body = res.json()
      t.equal(body.code, 'FST_ERR_VALIDATION', `${what}: a validation error`)
      t.same(body.problems, [{ field: pastLimit('body', route.field), problem: `is nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects), the most a body may have` }], `${what}: names the field where the limit is passed`)
    }
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/organizations/deep-1', headers: auth('read') })).statusCode, 404, 'nothing stored')
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/deep-2', headers: auth('read') })).statusCode, 404, 'nothing stored')

  // The limit itself: a body nested exactly MAX_JSON_DEPTH deep passes the depth check (and meets the schema).
  const atLimit = await app.inject({ method: 'POST', url: '/v1/feedback', payload: `{"events":${deep(MAX_JSON_DEPTH - 1)}}`, headers: { 'content-type': 'application/json', ...auth('write') } })
  t.equal(atLimit.statusCode, 400)
  t.notMatch(atLimit.json().message, /nested/, `${MAX_JSON_DEPTH} levels: refused by the schema, not by depth`)
  const whole = await app.inject({ method: 'POST', url: '/v1/feedback', payload: deep(MAX_JSON_DEPTH + 1), headers: { 'content-type': 'application/json', ...auth('write') } })
  t.same(whole.json().problems?.[0]?.field, ['body', ...Array(MAX_JSON_DEPTH).fill('0')].join('.'), 'a body that is itself the deep array: the pointer starts at its root')
})

t.test('a deep bulk line is reported by its number; the 1,199 others land, and a replay does the same', async (t) => {
  const app = await testApp(t)
  for (const depth of [8_000, 100_000]) {
    const line = (i: number) => i === 1100
      ? `{"op":"upsert","kind":"organizations","id":"d${depth}-${i}","record":{"name":"Deep","kind":"company","country":"IT","competencies":${deep(depth)}}}`
      : JSON.stringify({ op: 'upsert', kind: 'organizations', id: `d${depth}-${i}`, record: { name: `Org ${i}`, kind: 'company', country: 'IT', competencies: ['meccatronica'], version: 1 } })
    const payload = Array.from({ length: 1200 }, (_, i) => line(i + 1)).join('\n') + '\n'
    const bulk = () => app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
    const first = await bulk()
    t.equal(first.statusCode, 200, `depth ${depth}: the import answers with its summary`)
    const s = first.json()
    t.match(s, { lines: 1200, created: 1199, failed: 1 }, `depth ${depth}: every other line landed`)
    t.same(s.errors, [{ line: 1100, field: pastLimit('record', 'competencies'), problem: `is nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects), the most a body may have` }], `depth ${depth}: the deep line is reported`)
    for (const i of [1, 1000, 1001, 1099, 1101, 1200]) {
      t.equal((await app.inject({ method: 'GET', url: `/v1/organizations/d${depth}-${i}`, headers: auth('read') })).statusCode, 200, `depth ${depth}: line ${i} stored`)
    }
    t.equal((await app.inject({ method: 'GET', url: `/v1/organizations/d${depth}-1100`, headers: auth('read') })).statusCode, 404, `depth ${depth}: the deep line is not`)
    const replay = await bulk()
    t.equal(replay.statusCode, 200, `depth ${depth}: a replay answers too`)
    t.match(replay.json(), { lines: 1200, created: 0, unchanged: 1199, failed: 1, errors: [{ line: 1100 }] }, `depth ${depth}: a replay changes nothing and reports the same line`)
  }
})
