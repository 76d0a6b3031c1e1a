import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { onCleanup } from '../helpers/services.ts'
import type { ModelProcessEmbedder } from '../../src/embedding/model-process-embedder.ts'
import { NOTICES } from '../../src/notices.ts'

// The real model process is frozen with SIGSTOP (a hung process, not a dead one): every call to it
// has a deadline, /ready says the model is down, and free text falls back to lexical, saying so.
t.test('a frozen model process: /ready, search and free-text match answer within the deadline', async (t) => {
  const app = await testApp(t, { EMBEDDING_TIMEOUT_MS: '1000' })
  await app.parts.modelReady
  const embedder = app.parts.embedder as ModelProcessEmbedder
  t.ok(embedder.available && embedder.pid, `model loaded in process ${embedder.pid}`)
  const put = (url: string, payload: object) => app.inject({ method: 'PUT', url, payload, headers: auth('write') })
  t.equal((await put('/v1/organizations/o-1', { name: 'Fonderia Lecchese', kind: 'company', country: 'IT', description: 'Fusioni in alluminio per l\'automotive', competencies: ['pressofusione'] })).statusCode, 201)
  await eventually(async () => (await app.parts.searchIndex.count('organizations')) === 1, 60_000, 'indexed')
  const ask = async (r: { method: 'GET' | 'POST', url: string, payload?: object }) => {
    const started = performance.now()
    const res = await app.inject({ ...r, headers: auth('admin') })
    return { res, ms: performance.now() - started }
  }

  const pid = embedder.pid as number
  process.kill(pid, 'SIGSTOP')
  onCleanup(t, () => { try { process.kill(pid, 'SIGCONT') } catch {} })

  const ready = await ask({ method: 'GET', url: '/ready' })
  t.ok(ready.ms < 3000, `/ready answered in ${Math.round(ready.ms)} ms`)
  t.equal(ready.res.statusCode, 200, 'a model that does not answer only degrades')
  t.equal(ready.res.json().status, 'degraded')
  t.match(ready.res.json().parts.find((p: { part: string }) => p.part === 'embedder'), { status: 'down', detail: /did not answer within 1000 ms/ })

  const search = await ask({ method: 'GET', url: '/v1/search?q=pressofusione&kinds=organizations' })
  t.ok(search.ms < 3000, `search answered in ${Math.round(search.ms)} ms`)
  t.equal(search.res.statusCode, 200)
  // Words only, said in the caller's language from the notice catalogue: no process id, no internal message.
  t.match(search.res.json(), { semanticMatching: false, noticeCode: 'MODEL_UNAVAILABLE', notice: NOTICES.MODEL_UNAVAILABLE.en })
  t.same(search.res.json().results.map((r: { id: string }) => r.id), ['o-1'], 'the lexical hit is there')

  const match = await ask({ method: 'POST', url: '/v1/match/partners', payload: { text: 'cerchiamo esperti di pressofusione', competencies: ['pressofusione'] } })
  t.ok(match.ms < 3000, `free-text match answered in ${Math.round(match.ms)} ms`)
  t.equal(match.res.statusCode, 200)
  t.match(match.res.json(), { semanticMatching: false, noticeCode: 'MODEL_UNAVAILABLE', notice: NOTICES.MODEL_UNAVAILABLE.en })

  // A profile written now has no stored vectors and the model cannot embed them: words only, said so.
  t.equal((await put('/v1/organizations/o-2', { name: 'Stampi Comaschi', kind: 'company', country: 'IT', competencies: ['stampi per pressofusione'], needs: ['pressofusione di alluminio'] })).statusCode, 201)
  const fresh = await ask({ method: 'POST', url: '/v1/match/partners', payload: { organizationId: 'o-2' } })
  t.ok(fresh.ms < 3000, `a new profile's match answered in ${Math.round(fresh.ms)} ms`)
  t.match(fresh.res.json(), { semanticMatching: false, noticeCode: 'MODEL_UNAVAILABLE', notice: NOTICES.MODEL_UNAVAILABLE.en })

  process.kill(pid, 'SIGCONT')
  await eventually(async () => (await app.inject({ method: 'GET', url: '/ready', headers: auth('admin') })).json().status === 'ready', 30_000, 'ready again')
  const after = await ask({ method: 'GET', url: '/v1/search?q=pressofusione&kinds=organizations' })
  t.match(after.res.json(), { semanticMatching: true })
  t.notOk('notice' in after.res.json() || 'noticeCode' in after.res.json(), 'no notice once the model answers')
})
