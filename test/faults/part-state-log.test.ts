import t from 'tap'
import { loadConfig } from '../../config/load.ts'
import { buildServer } from '../../src/build.ts'
import { eventually } from '../helpers/app.ts'
import { REDIS_SERVER, freePort, hasRedisServer, ownRedis } from '../helpers/own-redis.ts'
import { onCleanup, requires, tempDir } from '../helpers/services.ts'

// The log says when a part goes away and when it is back, once each: a redis-server of this test's
// own (never the shared one on 6379) frozen with SIGSTOP, then woken.

interface Line { level: number, msg: string }

t.test('the job queue frozen and woken: one warn line when it goes, one info line when it is back', async (t) => {
  if (!requires(t, hasRedisServer, `${REDIS_SERVER} is not installed`)) return
  const port = await freePort()
  const redis = (await ownRedis(t, port)).process()
  const lines: Line[] = []
  const config = loadConfig({
    DATA_DIR: await tempDir(t),
    // No model: this test needs none.
    MODELS_DIR: await tempDir(t),
    EMBEDDING_ALLOW_REMOTE: 'false',
    EMBEDDING_ALLOW_MAVEN: 'false',
    DEMO_DATA: 'false',
    REDIS_URL: `redis://127.0.0.1:${port}`,
    QUEUE_NAME: `part-watch-${port}`
  })
  const app = await buildServer({ config }, { level: 'info', stream: { write: (s: string) => { lines.push(JSON.parse(s) as Line) } } })
  onCleanup(t, () => app.close())
  await app.ready()
  const about = () => lines.filter((l) => /job queue/.test(l.msg))

  // The first check after a start may pay for connecting on a busy machine: it waits for the queue's own check first.
  await eventually(async () => (await app.parts.queue.health()).status === 'up', 20_000, 'the queue answering')
  await app.watchParts()
  t.same(about(), [], 'up from the start: nothing said')
  redis.kill('SIGSTOP')
  await app.watchParts()
  await app.watchParts()
  t.match(about(), [{ level: 40, msg: /^the job queue \(bullmq\) is unavailable: no answer within \d+ ms$/ }], 'frozen: one warn line, however many checks')
  redis.kill('SIGCONT')
  await eventually(async () => { await app.watchParts(); return about().length === 2 }, 20_000, 'the queue back')
  t.match(about()[1], { level: 30, msg: 'the job queue (bullmq) is available again' })
})
