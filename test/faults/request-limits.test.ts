import t from 'tap'
import { PassThrough } from 'node:stream'
import { testApp, auth } from '../helpers/app.ts'
import { ndjsonLines } from '../../src/records/ndjson-lines.ts'

// The key is checked before a body is read, and no single bulk line is buffered past its limit.

t.test('the API key is checked before the body is parsed or validated', async (t) => {
  const app = await testApp(t)
  const bad = await app.inject({ method: 'PUT', url: '/v1/organizations/o-1', payload: '{"name": not json', headers: { 'content-type': 'application/json' } })
  t.equal(bad.statusCode, 401, 'no key: 401, not the 400 a parsed body would give')
  const invalid = await app.inject({ method: 'PUT', url: '/v1/organizations/o-1', payload: { name: 42 }, headers: { authorization: 'Bearer wrong-key-0123456789abcdef' } })
  t.equal(invalid.statusCode, 401, 'a wrong key: 401 before validation')
  const weak = await app.inject({ method: 'POST', url: '/v1/bulk', payload: 'x'.repeat(1024), headers: { 'content-type': 'application/x-ndjson', ...auth('read') } })
  t.equal(weak.statusCode, 403, 'a read key on a write route: 403 before the import reads anything')
  t.equal((await app.inject({ method: 'GET', url: '/v1/organizations/o-1', headers: auth('read') })).statusCode, 404, 'nothing stored')
})

t.test('a bulk line over BULK_MAX_LINE_BYTES is reported by line, and the lines after it land', async (t) => {
  const app = await testApp(t, { BULK_MAX_LINE_BYTES: '65536' })
  const line = (i: number, description = '') => JSON.stringify({ op: 'upsert', kind: 'organizations', id: `l-${i}`, record: { name: `Org ${i}`, kind: 'company', country: 'IT', ...(description ? { description } : {}) } })
  const huge = line(2, 'y'.repeat(19_000)).replace('"description"', `"description":"${'z'.repeat(200_000)}","x"`)
  const payload = [line(1), huge, line(3)].join('\n') + '\n'
  const res = await app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
  t.equal(res.statusCode, 200)
  const s = res.json()
  t.equal(s.created, 2)
  t.equal(s.failed, 1)
  t.match(s.errors[0], { line: 2, field: 'line', problem: /bytes long; the most a line may have is 65536/ })
})

t.test('ndjsonLines splits across chunks, drops \\r, and never buffers a long line', async (t) => {
  const input = new PassThrough()
  const got: unknown[] = []
  const done = (async () => { for await (const l of ndjsonLines(input, 10)) got.push(l) })()
  for (const chunk of ['ab', 'c\r\n0123', '456789', 'ABCDEFGH\nlast', '\n\n', 'tail']) input.write(Buffer.from(chunk))
  // A multi-byte character split across chunks.
  input.end()
  await done
  t.same(got, [
    { n: 1, text: 'abc' },
    { n: 2, text: '', tooLong: 18 },
    { n: 3, text: 'last' },
    { n: 4, text: '' },
    { n: 5, text: 'tail' }
  ])
  const utf = new PassThrough()
  const lines: string[] = []
  const read = (async () => { for await (const l of ndjsonLines(utf, 100)) lines.push(l.text) })()
  const bytes = Buffer.from('città\n')
  utf.write(bytes.subarray(0, 4)); utf.end(bytes.subarray(4))
  await read
  t.same(lines, ['città'])
})
