import t from 'tap'
import { once } from 'node:events'
import { brotliCompressSync, createGzip, deflateSync, gzipSync } from 'node:zlib'
import { testApp, auth } from '../helpers/app.ts'

// Issue 32, case 11 (the body-parsing items): a body is taken in the media types, charsets and
// content codings the route says, and decoded before it is parsed; anything else is refused with a
// 415 naming what was sent, and a refused request changes nothing.

const org = (id: number | string, name = `Org ${id}`) => ({ op: 'upsert', kind: 'organizations', id: `enc-${id}`, record: { name, kind: 'company', country: 'IT' } })
const ndjson = (lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n'

/** The gzip of `bytes` zero bytes, compressed as a stream (the input never sits in memory). */
async function gzipOfZeros (bytes: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 })
  const out: Buffer[] = []
  gz.on('data', (c: Buffer) => out.push(c))
  const block = Buffer.alloc(1 << 20)
  for (let i = 0; i < bytes / block.length; i++) if (!gz.write(block)) await once(gz, 'drain')
  gz.end()
  await once(gz, 'end')
  return Buffer.concat(out)
}

t.test('request bodies: types, codings, charsets, BOM', async (t) => {
  const app = await testApp(t)
  const get = (kind: string, id: string) => app.inject({ method: 'GET', url: `/v1/${kind}/${id}`, headers: auth('read') })
  const bulk = (payload: Buffer | string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson', ...auth('write'), ...headers } })
  const put = (id: string, payload: Buffer | string, headers: Record<string, string>) =>
    app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload, headers: { ...auth('write'), ...headers } })

  t.test('a body that is not JSON on a JSON route is a 415, whatever its type', async (t) => {
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await put('enc-type', '{"name":"Typed","kind":"company","country":"IT"}', { 'content-type': type })
      t.equal(res.statusCode, 415, type)
      t.match(res.json(), { code: 'UNSUPPORTED_MEDIA_TYPE', message: new RegExp(`${type.split(';')[0]}.*application/json`) }, `${type}: names the type sent and the type taken`)
    }
    const match = await app.inject({ method: 'POST', url: '/v1/match/partners', payload: '{"text":"sensori"}', headers: { 'content-type': 'text/plain', ...auth('read') } })
    t.equal(match.statusCode, 415, 'on POST routes too')
    t.equal((await get('organizations', 'enc-type')).statusCode, 404, 'nothing stored')
  })

  t.test('gzip, deflate and br bodies are decoded, on bulk and on JSON routes', async (t) => {
    const lines = ndjson([org(1), org(2), org(3)])
    for (const [coding, encode] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
      const res = await bulk(encode(Buffer.from(ndjson([org(`${coding}-b`)]))), { 'content-encoding': coding })
      t.equal(res.statusCode, 200, `bulk ${coding}`)
      t.match(res.json(), { lines: 1, created: 1, failed: 0 }, `bulk ${coding}: the line landed`)
      const body = Buffer.from(JSON.stringify({ name: `Put ${coding}`, kind: 'company', country: 'IT' }))
      const p = await put(`enc-${coding}-p`, encode(body), { 'content-type': 'application/json', 'content-encoding': coding })
      t.equal(p.statusCode, 201, `PUT ${coding}`)
      t.equal((await get('organizations', `enc-${coding}-p`)).json().name, `Put ${coding}`)
    }
    const res = await bulk(gzipSync(Buffer.from(lines)), { 'content-encoding': 'GZIP' })
    t.match(res.json(), { lines: 3, created: 3, failed: 0 }, 'the coding is case-insensitive')
    const twice = await put('enc-twice', brotliCompressSync(gzipSync(Buffer.from('{"name":"Twice","kind":"company","country":"IT"}'))), { 'content-type': 'application/json', 'content-encoding': 'gzip, br' })
    t.equal(twice.statusCode, 201, 'codings applied in turn are undone in turn')
  })

  t.test('a body that is not what its Content-Encoding says is a 400, and nothing lands', async (t) => {
    const res = await bulk(ndjson([org('br-plain')]), { 'content-encoding': 'br' })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { code: 'CONTENT_ENCODING_INVALID', message: /br/ })
    t.equal((await get('organizations', 'enc-br-plain')).statusCode, 404, 'a plain body declared br is not imported')
    const p = await put('enc-gz-plain', '{"name":"Plain","kind":"company","country":"IT"}', { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    t.equal(p.statusCode, 400)
    t.match(p.json(), { code: 'CONTENT_ENCODING_INVALID', message: /gzip/ })
    t.equal((await get('organizations', 'enc-gz-plain')).statusCode, 404)
    const cut = gzipSync(Buffer.from(ndjson([org('cut-1'), org('cut-2')])))
    t.equal((await bulk(cut.subarray(0, cut.length - 10), { 'content-encoding': 'gzip' })).statusCode, 400, 'a truncated gzip body')
  })

  t.test('an unknown coding is a 415 naming it', async (t) => {
    for (const coding of ['zstd', 'compress', 'gzip, x-custom']) {
      const res = await bulk(ndjson([org('zstd')]), { 'content-encoding': coding })
      t.equal(res.statusCode, 415, coding)
      t.match(res.json(), { code: 'UNSUPPORTED_CONTENT_ENCODING', message: /(zstd|compress|x-custom).*gzip, deflate, br/ })
    }
    t.equal((await get('organizations', 'enc-zstd')).statusCode, 404, 'nothing imported')
    t.equal((await bulk(ndjson([org('identity')]), { 'content-encoding': 'identity' })).json().created, 1, 'identity is no coding')
  })

  t.test('a zip bomb is refused once its decoded bytes pass the limit, never expanded whole', async (t) => {
    const bomb = await gzipOfZeros(256 * 1024 * 1024)
    const started = Date.now()
    const p = await put('enc-bomb', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    t.equal(p.statusCode, 413, 'a JSON route: past the body limit (10 MiB) of decoded bytes')
    t.match(p.json(), { code: 'DECODED_BODY_TOO_LARGE', message: /10485760/ })
    const b = await bulk(bomb, { 'content-encoding': 'gzip' })
    t.equal(b.statusCode, 413, 'bulk: past 100 times the bytes received')
    t.match(b.json(), { code: 'DECODED_BODY_TOO_LARGE', message: /100 times/ })
    t.ok(Date.now() - started < 60_000, `refused in ${Date.now() - started} ms`)
  })

  t.test('a charset is decoded (utf-8, iso-8859-1, windows-1252) or refused with a 415 naming it', async (t) => {
    const latin1 = Buffer.from('{"name":"Società Àlfa","kind":"company","country":"IT"}', 'latin1')
    const p = await put('enc-latin1', latin1, { 'content-type': 'application/json; charset=ISO-8859-1' })
    t.equal(p.statusCode, 201)
    t.equal((await get('organizations', 'enc-latin1')).json().name, 'Società Àlfa', 'stored as the characters sent')
    const euro = Buffer.concat([Buffer.from('{"name":"Prezzo '), Buffer.from([0x80]), Buffer.from('","kind":"company","country":"IT"}')])
    t.equal((await put('enc-1252', euro, { 'content-type': 'application/json; charset="windows-1252"' })).statusCode, 201)
    t.equal((await get('organizations', 'enc-1252')).json().name, 'Prezzo €', 'windows-1252')
    const b = await bulk(Buffer.from(ndjson([org('latin1-b', 'Fonderia Città')]), 'latin1'), { 'content-type': 'application/x-ndjson; charset=iso-8859-1' })
    t.match(b.json(), { created: 1, failed: 0 })
    t.equal((await get('organizations', 'enc-latin1-b')).json().name, 'Fonderia Città', 'bulk too')
    const gz = await bulk(gzipSync(Buffer.from(ndjson([org('latin1-gz', 'Perché')]), 'latin1')), { 'content-type': 'application/x-ndjson; charset=latin1', 'content-encoding': 'gzip' })
    t.match(gz.json(), { created: 1 })
    t.equal((await get('organizations', 'enc-latin1-gz')).json().name, 'Perché', 'a coding and a charset together')
    t.equal((await put('enc-utf8', '{"name":"Città","kind":"company","country":"IT"}', { 'content-type': 'application/json; charset=UTF-8' })).statusCode, 201, 'utf-8 named')
    for (const charset of ['shift_jis', 'utf-16', 'x-unknown']) {
      const res = await put('enc-sjis', '{"name":"X","kind":"company","country":"IT"}', { 'content-type': `application/json; charset=${charset}` })
      t.equal(res.statusCode, 415, charset)
      t.match(res.json(), { code: 'UNSUPPORTED_CHARSET', message: new RegExp(charset) })
    }
    t.equal((await get('organizations', 'enc-sjis')).statusCode, 404, 'nothing stored')
  })

  t.test('a UTF-8 BOM at the start of a bulk body is dropped, as on PUT', async (t) => {
    const res = await bulk(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ndjson([org('bom-1'), org('bom-2')]))]))
    t.equal(res.statusCode, 200)
    t.match(res.json(), { lines: 2, created: 2, failed: 0, errors: [] }, 'line 1 is read')
    const p = await put('enc-bom-p', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"Bom","kind":"company","country":"IT"}')]), { 'content-type': 'application/json' })
    t.equal(p.statusCode, 201, 'PUT takes it')
  })
})
