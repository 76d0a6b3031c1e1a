import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { onCleanup } from '../helpers/services.ts'
import type { ModelProcessEmbedder } from '../../src/embedding/model-process-embedder.ts'

// One state of the model, read by every place that shows it: the real model process is frozen
// (SIGSTOP), woken (SIGCONT) and killed (SIGKILL), and /ready, GET /v1/status (what the console's
// Operations view shows) and the answers of search and free-text match must agree each time, within
// a bounded time, and never show a process id to a caller who is not an admin.
t.test('frozen, woken and killed: /ready, /v1/status, search and match agree, and no pid reaches a non-admin', async (t) => {
  const app = await testApp(t, { EMBEDDING_TIMEOUT_MS: '1000' })
  await app.parts.modelReady
  const embedder = app.parts.embedder as ModelProcessEmbedder
  const put = await app.inject({ method: 'PUT', url: '/v1/organizations/o-1', headers: auth('write'), payload: { name: 'Fonderia Lecchese', kind: 'company', country: 'IT', description: 'Fusioni in alluminio per l\'automotive', competencies: ['pressofusione'] } })
  t.equal(put.statusCode, 201)
  await eventually(async () => (await app.parts.searchIndex.count('organizations')) === 1, 60_000, 'indexed')

  type Headers = Record<string, string>
  const get = async (url: string, headers: Headers = {}) => (await app.inject({ method: 'GET', url, headers })).json()
  // A new text each time: a text asked before is answered from the query cache, rightly on meaning, without the model.
  let asked = 0
  const search = (headers: Headers) => get(`/v1/search?q=fusioni+di+alluminio+${++asked}&kinds=organizations`, headers)
  const match = async (headers: Headers) => (await app.inject({ method: 'POST', url: '/v1/match/partners', headers, payload: { text: `cerchiamo una fonderia per pezzi in alluminio, lotto ${++asked}` } })).json()
  /** What every place says about meaning: /ready for anyone and for the admin, /v1/status, a search and a free-text match. */
  const everywhere = async () => {
    const [anonymous, reader, admin, status, searched, matched] = [
      await get('/ready'), await get('/ready', auth('read')), await get('/ready', auth('admin')),
      await get('/v1/status', auth('admin')), await search(auth('read')), await match(auth('read'))
    ]
    return { anonymous, reader, admin, status, searched, matched }
  }
  const semantic = (all: Awaited<ReturnType<typeof everywhere>>) =>
    [all.anonymous, all.reader, all.admin, all.status, all.searched, all.matched].map((a: { semanticMatching: boolean }) => a.semanticMatching)
  /** The pid, as a number of its own (not the digits of a score or a time). */
  const shows = (answer: unknown, pid: number) => new RegExp(`(?<![\\d.])${pid}(?!\\d)|\\bpid\\b`).test(JSON.stringify(answer))

  const before = await everywhere()
  t.same(semantic(before), [true, true, true, true, true, true], 'the model answers: semantic everywhere')
  t.match(before.status.modelState, { state: 'available', reason: null })
  t.equal(before.anonymous.status, 'ready')

  // Frozen: the first call that waits for it misses its 1 s deadline; every place then says so.
  const pid = embedder.pid as number
  process.kill(pid, 'SIGSTOP')
  onCleanup(t, () => { try { process.kill(pid, 'SIGCONT') } catch {} })
  const frozenAt = performance.now()
  const first = await search(auth('read'))
  t.equal(first.semanticMatching, false, 'the first search falls back to words')
  const frozen = await everywhere()
  const tookMs = performance.now() - frozenAt
  t.ok(tookMs < 4000, `all seven answers within ${Math.round(tookMs)} ms of the freeze (deadline 1 s): later calls do not each wait for it`)
  t.same(semantic(frozen), [false, false, false, false, false, false], 'frozen: words only everywhere, /v1/status (the Operations view) included')
  for (const ready of [frozen.anonymous, frozen.reader, frozen.admin]) {
    t.match(ready, { status: 'degraded', modelState: { state: 'not-answering', reason: /does not answer/ } })
  }
  t.match(frozen.status.modelState, { state: 'not-answering', reason: /does not answer/, detail: new RegExp(`model process ${pid} did not answer within 1000 ms`) }, 'the admin\'s status names the process')
  t.match(frozen.admin.parts.find((p: { part: string }) => p.part === 'embedder'), { status: 'down', detail: new RegExp(`${pid}`) }, 'the admin\'s /ready names it too')
  t.same(frozen.reader.parts.find((p: { part: string }) => p.part === 'embedder'), { part: 'embedder', status: 'down' })
  for (const [who, answer] of Object.entries({ anonymous: frozen.anonymous, reader: frozen.reader, search: frozen.searched, match: frozen.matched, firstSearch: first })) {
    t.notOk(shows(answer, pid), `no process id in the ${who}'s answer`)
  }

  // Woken: the process answers the call it missed, and every place is semantic again.
  process.kill(pid, 'SIGCONT')
  await eventually(async () => (await get('/ready')).status === 'ready', 10_000, 'ready again')
  const woken = await everywhere()
  t.same(semantic(woken), [true, true, true, true, true, true], 'woken: semantic everywhere again')
  t.match(woken.status.modelState, { state: 'available', reason: null })
  t.notOk('notice' in woken.searched, 'no notice on the search')

  // Killed: gone at once, and /ready alone (no search) starts the replacement.
  process.kill(embedder.pid as number, 'SIGKILL')
  await eventually(async () => (await get('/v1/status', auth('admin'))).modelState.state !== 'available', 5_000, 'the exit seen')
  const gone = await get('/v1/status', auth('admin'))
  t.match(gone, { semanticMatching: false, modelState: { state: 'gone', detail: new RegExp(`pid ${pid}\\) exited with SIGKILL`) } })
  t.match(await get('/ready', auth('read')), { status: 'degraded', semanticMatching: false, modelState: { state: 'gone' } })
  await eventually(async () => (await get('/ready', auth('read'))).status === 'ready', 60_000, 'a new model process, started by /ready')
  t.ok(embedder.pid && embedder.pid !== pid, `a new model process (${embedder.pid})`)
  t.same(semantic(await everywhere()), [true, true, true, true, true, true], 'and semantic everywhere')
})
