import t from 'tap'
import { request } from 'node:http'
import { auth, testApp } from '../helpers/app.ts'

/** A raw request over a socket: what a client sees, including what the HTTP parser refuses. */
function raw (port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number, body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => { text += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }))
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('every error answer has one shape with a code, whatever refused the request', async (t) => {
  const app = await testApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const cases: Array<[string, Promise<{ status: number, body: Record<string, unknown> }>, number, string]> = [
    ['a route that does not exist', raw(port, '/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND'],
    ['no API key', raw(port, '/v1/organizations/o-1'), 401, 'API_KEY_MISSING'],
    ['a key below the scope', raw(port, '/v1/status', auth('read')), 403, 'SCOPE_INSUFFICIENT'],
    ['a record that does not exist', raw(port, '/v1/organizations/o-1', auth('read')), 404, 'RECORD_NOT_FOUND'],
    ['an invalid query parameter', raw(port, '/v1/search?q=x&limit=500', auth('read')), 400, 'FST_ERR_VALIDATION'],
    ['a cursor this service did not issue', raw(port, '/v1/search?q=sensori&cursor=bm90LWEtY3Vyc29y', auth('read')), 400, 'CURSOR_INVALID'],
    ['a URL that does not decode', raw(port, '/v1/organizations/%E0%A4%A', auth('read')), 400, 'FST_ERR_BAD_URL'],
    ['a path parameter longer than the router takes', raw(port, `/v1/organizations/${'a'.repeat(600)}`, auth('read')), 414, 'FST_ERR_MAX_PARAM_LENGTH'],
    ['headers larger than the server takes', raw(port, '/v1/organizations/o-1', { 'x-padding': 'a'.repeat(20_000) }), 431, 'HEADERS_TOO_LARGE']
  ]
  for (const [what, answer, status, code] of cases) {
    const { status: got, body } = await answer
    t.equal(got, status, `${what}: ${status}`)
    t.equal(body.statusCode, status, `${what}: statusCode in the body`)
    t.equal(body.code, code, `${what}: code ${code}`)
    t.type(body.error, 'string', `${what}: the status text`)
    t.type(body.message, 'string', `${what}: a message`)
    t.same(Object.keys(body).filter((k) => !['statusCode', 'code', 'error', 'message', 'problems'].includes(k)), [], `${what}: nothing else`)
  }
  const invalid = await raw(port, '/v1/search?q=x&limit=500', auth('read'))
  t.same(invalid.body.problems, [{ field: 'querystring.limit', problem: 'must be <= 100' }], 'validation names the field and the problem')
})
