import t from 'tap'
import { testApp, auth } from '../helpers/app.ts'

// Issue 32, case 7: the bulk route's NDJSON stream parser applied to every route, so an
// `application/x-ndjson` body on a JSON route reached the validator as a stream object (a 500).
// Only POST /v1/bulk takes NDJSON; every other route answers 415 naming the type and what it takes.

t.test('application/x-ndjson on a JSON route is a 415 naming the type and what the route takes', async (t) => {
  const app = await testApp(t)
  const line = '{"op":"upsert","kind":"organizations","id":"nd-1","record":{"name":"Nd","kind":"company","country":"IT"}}\n'
  const routes: Array<{ method: 'PUT' | 'POST', url: string, scope: 'write' | 'read' | 'admin' }> = [
    { method: 'PUT', url: '/v1/organizations/nd-1', scope: 'write' },
    { method: 'POST', url: '/v1/match/partners', scope: 'read' },
    { method: 'POST', url: '/v1/feedback', scope: 'write' },
    { method: 'POST', url: '/v1/admin/ranker/train', scope: 'admin' },
    { method: 'PUT', url: '/v1/admin/ranker/active', scope: 'admin' },
    { method: 'POST', url: '/v1/concepts/link', scope: 'read' }
  ]
  for (const { method, url, scope } of routes) {
    for (const contentType of ['application/x-ndjson', 'application/x-ndjson; charset=utf-8']) {
      const res = await app.inject({ method, url, payload: line, headers: { 'content-type': contentType, ...auth(scope) } })
      t.equal(res.statusCode, 415, `${method} ${url} (${contentType})`)
      t.same(Object.keys(res.json()).sort(), ['code', 'error', 'message', 'statusCode'], 'the error shape')
      t.match(res.json(), { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type' })
      t.match(res.json().message, /application\/x-ndjson.*application\/json/, `${method} ${url}: names the type sent and the type taken`)
    }
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/organizations/nd-1', headers: auth('read') })).statusCode, 404, 'nothing stored')

  const bulk = await app.inject({ method: 'POST', url: '/v1/bulk', payload: line, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
  t.equal(bulk.statusCode, 200, 'POST /v1/bulk still takes NDJSON')
  t.match(bulk.json(), { created: 1, failed: 0 })
  const json = await app.inject({ method: 'POST', url: '/v1/bulk', payload: { op: 'upsert' }, headers: auth('write') })
  t.equal(json.statusCode, 415, 'and only NDJSON')
  t.match(json.json(), { code: 'UNSUPPORTED_MEDIA_TYPE', message: /application\/json.*application\/x-ndjson/ })
})
