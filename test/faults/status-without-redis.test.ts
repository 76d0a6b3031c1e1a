import t, { type Test } from 'tap'
import { createServer, Socket, type AddressInfo } from 'node:net'
import { auth, eventually, testApp } from '../helpers/app.ts'
import { exited } from '../helpers/processes.ts'
import { REDIS_SERVER, freePort, hasRedisServer, ownRedis } from '../helpers/own-redis.ts'
import { onCleanup, requires, tempDir } from '../helpers/services.ts'

// GET /v1/status while Redis (the BullMQ queue) is unreachable (issue 32, cases 5 and 9). It used
// to hang for good (no answer in 400 s) while Redis was down or unresponsive, and to answer 500
// ("Stream isn't writeable and enableOfflineQueue options is false") while the connection was
// recovering. Now it answers within about 2 s, 200, with the queue marked unavailable and why.
//
// Every fault is made on a Redis this file controls, never on the shared one on 6379:
// - down: a loopback port where nothing listens (connection refused), or our own redis-server
//   killed with SIGKILL;
// - unresponsive: a TCP server that accepts connections and never answers a byte, or our own
//   redis-server frozen with SIGSTOP (the kernel keeps its socket open; nothing answers).

/** The status must answer within this (the rate limiter waits 0.3 s for Redis, the queue 1 s; the rest is the store's work). */
const BOUND_MS = 3000

/** A TCP server that accepts every connection and never answers: an unresponsive Redis. */
async function silentServer (t: Test): Promise<number> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(t, () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy()
    server.close(() => resolve())
  }))
  return (server.address() as AddressInfo).port
}

interface Answer { status: number, ms: number, body: any }

/** An app on this Redis, without a model (the status needs none, and a load would hold the event loop for a while). */
async function appOn (t: Test, port: number) {
  const app = await testApp(t, { REDIS_URL: `redis://127.0.0.1:${port}`, MODELS_DIR: await tempDir(t) })
  await app.parts.modelReady
  return app
}

/** GET /v1/status, giving up (status 0) after 10 s so that a hang fails the test instead of stalling it. */
async function status (app: Awaited<ReturnType<typeof testApp>>): Promise<Answer> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const res = await Promise.race([
    app.inject({ method: 'GET', url: '/v1/status', headers: auth('admin') }),
    new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), 10_000) })
  ])
  clearTimeout(timer)
  const ms = Math.round(performance.now() - started)
  return res === null ? { status: 0, ms, body: null } : { status: res.statusCode, ms, body: res.json() }
}

/** The answer while the queue is unreachable: 200 at once, the store's part as usual, the queue's marked. */
function degraded (t: Test, a: Answer, what: string, bound = BOUND_MS): void {
  t.equal(a.status, 200, `${what}: 200 (${a.status === 0 ? 'no answer in 10 s' : `${a.status} ${JSON.stringify(a.body).slice(0, 200)}`})`)
  t.ok(a.ms < bound, `${what}: answered in ${a.ms} ms (< ${bound})`)
  if (a.status !== 200) return
  t.match(a.body.queue, { adapter: 'bullmq', available: false, reason: /bullmq queue is unavailable: ./, waiting: null, active: null, delayed: null, failed: null }, `${what}: the queue is marked unavailable, with the reason`)
  t.same(a.body.failedJobs, [], `${what}: no failed jobs claimed`)
  t.equal(a.body.kinds.length, 6, `${what}: the store's part is still there`)
}

t.test('Redis down from the start (nothing listens on its port): /v1/status answers at once, the queue unavailable', async (t) => {
  const port = await freePort()
  const app = await appOn(t, port)
  // The first request after a start also pays for compiling and warming up (over a second on a busy machine).
  degraded(t, await status(app), 'nothing listening, first request', 10_000)
  degraded(t, await status(app), 'nothing listening')
  const ready = await app.inject({ method: 'GET', url: '/ready', headers: auth('admin') })
  t.equal(ready.statusCode, 503, '/ready says unavailable (503), as before')
})

t.test('Redis unresponsive (a TCP server that accepts and never answers): /v1/status answers at once, the queue unavailable', async (t) => {
  const port = await silentServer(t)
  const app = await appOn(t, port)
  degraded(t, await status(app), 'a silent server, first request', 10_000)
  degraded(t, await status(app), 'a silent server')
  t.match((await status(app)).body?.queue?.reason, /no answer within 1000 ms/, 'the reason: no answer in time')
})

t.test('Redis unresponsive (our redis-server frozen with SIGSTOP) after it worked: degraded answers, then the counts again', async (t) => {
  if (!requires(t, hasRedisServer, `${REDIS_SERVER} is not installed (apt-get install redis-server; REDIS_SERVER_PATH points elsewhere)`)) return
  const port = await freePort()
  const redis = (await ownRedis(t, port)).process()
  const app = await appOn(t, port)
  const before = await status(app)
  t.match(before, { status: 200, body: { queue: { adapter: 'bullmq', available: true, reason: null, waiting: Number, failed: Number } } }, 'Redis up: the counts')
  redis.kill('SIGSTOP')
  degraded(t, await status(app), 'SIGSTOPped')
  degraded(t, await status(app), 'still SIGSTOPped')
  redis.kill('SIGCONT')
  await eventually(async () => (await status(app)).body?.queue?.available === true, 20_000, 'the queue answering again after SIGCONT')
  t.pass('once Redis answers again, so does the queue part')
})

t.test('Redis killed and restarted while /v1/status is polled: never a 5xx, never a hang (issue 32, case 9)', async (t) => {
  if (!requires(t, hasRedisServer, `${REDIS_SERVER} is not installed (apt-get install redis-server; REDIS_SERVER_PATH points elsewhere)`)) return
  const port = await freePort()
  const redis = await ownRedis(t, port)
  const app = await appOn(t, port)
  const counted = (a: Answer | undefined) => a?.status === 200 && typeof a.body.queue.waiting === 'number'
  t.ok(counted(await status(app)), 'Redis up: the queue counted')

  const answers: Answer[] = []
  const poll = { on: true }
  const poller = (async () => {
    while (poll.on) {
      answers.push(await status(app))
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, 300))
  redis.process().kill('SIGKILL')
  await exited(redis.process())
  const killedAt = answers.length
  // Down for a while (ioredis retries its connection meanwhile), then back on the same port.
  await eventually(async () => answers.length - killedAt >= 8, 30_000, 'answers while Redis is down')
  await redis.restart()
  await eventually(async () => counted(answers.at(-1)), 30_000, 'the queue counted again after the restart')
  await new Promise((resolve) => setTimeout(resolve, 300))
  poll.on = false
  await poller

  const by = (s: number) => answers.filter((a) => a.status === s).length
  t.comment(`${answers.length} answers: ${by(200)} × 200, ${answers.filter((a) => a.status >= 500).length} × 5xx, ${by(0)} hung; slowest ${Math.max(...answers.map((a) => a.ms))} ms`)
  t.same(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${JSON.stringify(a.body)}`), [], 'every answer is a 200: never a 5xx, never a hang')
  t.same(answers.filter((a) => a.ms >= BOUND_MS).map((a) => a.ms), [], `every answer within ${BOUND_MS} ms`)
  const unavailable = answers.filter((a) => a.body?.queue?.available === false)
  t.ok(unavailable.length >= 5, `${unavailable.length} answers marked the queue unavailable`)
  t.ok(unavailable.every((a) => typeof a.body.queue.reason === 'string' && a.body.queue.waiting === null), 'each with a reason and no made-up counts')
  t.ok(answers.slice(0, 3).every(counted) && counted(answers.at(-1)), 'counted before the kill and after the restart')
})
