import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import { serverOptions } from '../../src/build.ts'
import requestLog from '../../src/plugins/request-log.ts'

interface Line { level: number, msg: string, [key: string]: unknown }
const INFO = 30
const WARN = 40

/** The service's server options and the request-log plugin, logging at `level` into `lines`. */
async function server (t: Test, level: string, slowRequestMs: number) {
  const lines: Line[] = []
  const app = Fastify(serverOptions({ level, stream: { write: (s: string) => { lines.push(JSON.parse(s) as Line) } } }))
  await app.register(requestLog, { slowRequestMs })
  app.get('/fast/:id', async () => ({ ok: true }))
  app.get('/slow', async () => { await sleep(80); return { ok: true } })
  app.get('/thrown', async () => { throw new Error('the database went away') })
  app.get('/unavailable', async (_request, reply) => reply.code(503).send({ status: 'unavailable' }))
  app.get('/health', async () => ({ status: 'ok' }))
  t.teardown(() => app.close())
  return { app, lines }
}

t.test('at info: no line per request; slow requests and 5xx answers each one line; one summary of the interval', async (t) => {
  const { app, lines } = await server(t, 'info', 40)
  for (let i = 0; i < 16; i++) await app.inject(`/fast/${i}?q=private+words`)
  await app.inject('/slow?q=private+words')
  await app.inject('/slow')
  await app.inject('/missing')
  await app.inject('/thrown')
  await app.inject('/unavailable')
  for (let i = 0; i < 5; i++) await app.inject('/health')
  const requestLines = lines.filter((l) => /incoming request|request completed/.test(l.msg))
  t.same(requestLines, [], 'no line per request at info')
  const slow = lines.filter((l) => l.msg.startsWith('slow request'))
  t.equal(slow.length, 2, 'a line for each slow request')
  t.equal(slow[0]?.level, WARN)
  t.match(slow[0]?.msg, /^slow request: GET \/slow answered 200 in \d+ ms \(SLOW_REQUEST_MS 40\)$/)
  t.notMatch(JSON.stringify(lines), /private/, 'the query string (what a user typed) is not logged at info')
  t.match(lines.filter((l) => l.msg.startsWith('server error')), [{ level: WARN, msg: /^server error: GET \/unavailable answered 503 in \d+ ms$/ }], 'a 5xx answered without an error: one warn line')
  t.equal(lines.filter((l) => /the database went away/.test(JSON.stringify(l))).length, 1, 'a thrown error is logged once (by the error handler, with its stack), not again here')

  app.logRequestSummary()
  const summary = lines.at(-1)
  t.equal(summary?.level, INFO)
  t.match(summary, { requestSummary: { requests: 21, clientErrors: 1, serverErrors: 2 } }, '/health is not counted')
  const { p50Ms, p95Ms } = (summary as unknown as { requestSummary: { p50Ms: number, p95Ms: number } }).requestSummary
  t.ok(p50Ms < 40, `p50 ${p50Ms} ms: the fast requests`)
  t.ok(p95Ms >= 80, `p95 ${p95Ms} ms: the two slow ones are the top 5% of 21`)
  t.match(summary?.msg, /^requests in the last \d+ s: 21 \(4xx 1, 5xx 2\), p50 \d+ ms, p95 \d+ ms$/)
  const said = lines.length
  app.logRequestSummary()
  t.equal(lines.length, said, 'no traffic since: no summary')
})

t.test('at debug: one line per request, with its URL', async (t) => {
  const { app, lines } = await server(t, 'debug', 1000)
  await app.inject('/fast/1?q=x')
  await app.inject('/health')
  t.match(lines.filter((l) => l.msg === 'request completed'), [
    { level: 20, req: { method: 'GET', url: '/fast/1?q=x' }, res: { statusCode: 200 } },
    { level: 20, req: { method: 'GET', url: '/health' }, res: { statusCode: 200 } }
  ])
  t.equal(lines.filter((l) => l.msg === 'incoming request').length, 0, 'one line, not Fastify\'s two')
})
