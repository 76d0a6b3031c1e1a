import t from 'tap'
import { testApp, auth, KEYS } from '../helpers/app.ts'
import { onCleanup } from '../helpers/services.ts'
import type { ModelProcessEmbedder } from '../../src/embedding/model-process-embedder.ts'

// Limits per client: requests per window (429 with Retry-After; health probes never counted), and
// free-text requests in flight, so that one client cannot hold the model for everyone.

t.test('requests per client per window', async (t) => {
  const app = await testApp(t, { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_MS: '60000', MODELS_DIR: t.testdirName })
  const get = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/v1/organizations/x', headers })
  for (let i = 0; i < 5; i++) t.equal((await get(auth('read'))).statusCode, 404, `request ${i + 1} served`)
  const over = await get(auth('read'))
  t.equal(over.statusCode, 429, 'the sixth in the window is refused')
  t.ok(Number(over.headers['retry-after']) > 0, `with Retry-After: ${over.headers['retry-after']}`)
  t.match(over.json(), { statusCode: 429, message: /rate limit exceeded: 5 requests per 60 s/ })
  t.equal((await get(auth('write'))).statusCode, 404, 'another key is another client')
  for (let i = 0; i < 10; i++) t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
  t.pass('health probes are never limited')
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
  let bad = 0
  for (let i = 0; i < 7; i++) bad = (await get({ authorization: `Bearer made-up-key-${i}-0123456789abcdef` })).statusCode
  t.equal(bad, 429, 'a flood of made-up keys counts as one client (its address) and is limited before the key is checked')
  t.equal(KEYS.read.length > 0, true)
})

t.test('free-text requests in flight per client', async (t) => {
  const app = await testApp(t, { FREE_TEXT_CONCURRENCY: '1', EMBEDDING_TIMEOUT_MS: '2000' })
  await app.parts.modelReady
  const pid = (app.parts.embedder as ModelProcessEmbedder).pid as number
  // A frozen model holds the first request until its deadline: it stays in flight meanwhile.
  process.kill(pid, 'SIGSTOP')
  onCleanup(t, () => { try { process.kill(pid, 'SIGCONT') } catch {} })
  const first = app.inject({ method: 'GET', url: '/v1/search?q=robotica', headers: auth('read') })
  await new Promise((resolve) => setTimeout(resolve, 200))
  const second = await app.inject({ method: 'POST', url: '/v1/match/partners', payload: { text: 'robotica' }, headers: auth('read') })
  t.equal(second.statusCode, 429, 'a second free-text request of the same client is refused at once')
  t.equal(second.headers['retry-after'], '1')
  t.match(second.json().message, /too many free-text requests in flight/)
  const other = app.inject({ method: 'GET', url: '/v1/search?q=robotica', headers: auth('write') })
  const browse = await app.inject({ method: 'GET', url: '/v1/organizations/x', headers: auth('read') })
  t.equal(browse.statusCode, 404, 'requests without free text are not held back')
  t.equal((await first).statusCode, 200, 'the first one is answered (lexically, past the deadline)')
  t.equal((await other).statusCode, 200, 'another client was served meanwhile')
  process.kill(pid, 'SIGCONT')
  t.equal((await app.inject({ method: 'GET', url: '/v1/search?q=robotica', headers: auth('read') })).statusCode, 200, 'the slot is free again')
})
