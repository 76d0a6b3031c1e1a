import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { tempDir } from '../helpers/services.ts'

// A restart with records accepted but never embedded (the service stopped during a long import):
// the service answers at once, shows the catch-up in /ready, and embeds the backlog behind it.
const SENTENCES = ['Progettiamo linee di assemblaggio automatiche per il settore automotive e per l\'elettrodomestico.',
  'Il reparto di ricerca sviluppa algoritmi di visione artificiale per il controllo qualità in linea.',
  'Collaboriamo con il Politecnico di Milano su progetti di manutenzione predittiva e gemelli digitali.',
  'Cerchiamo partner europei per progetti Horizon Europe su robotica collaborativa e sicurezza.',
  'I nostri impianti pilota sono a disposizione delle piccole imprese del territorio lombardo.']
const N = 400

t.test('a start with a backlog of unembedded records answers at once and catches up', async (t) => {
  const dataDir = await tempDir(t)
  const first = await testApp(t, { DATA_DIR: dataDir, RUN_WORKERS: 'false' })
  const lines = Array.from({ length: N }, (_, i) => JSON.stringify({
    op: 'upsert',
    kind: 'organizations',
    id: `b-${i}`,
    record: { name: `Automazione ${i}`, kind: 'company', country: 'IT', description: Array.from({ length: 16 }, (_, k) => SENTENCES[(i + k) % SENTENCES.length]).join(' ') + ` Codice interno ${i}.`, competencies: [`robotica ${i}`] }
  })).join('\n')
  t.equal((await first.inject({ method: 'POST', url: '/v1/bulk', payload: lines, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })).json().created, N)
  await first.close()

  const started = performance.now()
  const app = await testApp(t, { DATA_DIR: dataDir })
  const startMs = performance.now() - started
  // Timing-free: when the service starts answering, the backlog has not been embedded yet.
  const vectorsAtStart = Number((await app.parts.store.db.selectFrom('vectors').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst())?.n)
  t.ok(vectorsAtStart < N, `answering after ${Math.round(startMs)} ms with ${vectorsAtStart} of at least ${N} texts embedded`)
  t.equal((await app.inject({ method: 'GET', url: '/v1/organizations/b-7', headers: auth('read') })).statusCode, 200, 'reads at once')
  const ready = (await app.inject({ method: 'GET', url: '/ready' })).json()
  t.equal(ready.status, 'degraded', 'degraded while catching up')
  t.ok(ready.catchUp.pendingOutbox > 0, `/ready shows the backlog: ${JSON.stringify(ready.catchUp)}`)

  await eventually(async () => (await app.inject({ method: 'GET', url: '/ready' })).json().catchUp.refill?.state === 'done', 60_000, 'refilled')
  const during = await app.inject({ method: 'GET', url: '/v1/search?kinds=organizations&q=Automazione&limit=3', headers: auth('read') })
  t.equal(during.statusCode, 200, 'search answers over what is indexed while the backlog is embedded')
  await eventually(async () => {
    const r = (await app.inject({ method: 'GET', url: '/ready' })).json()
    return r.status === 'ready' && r.catchUp.pendingOutbox === 0
  }, 240_000, 'caught up')
  const vectors = Number((await app.parts.store.db.selectFrom('vectors').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst())?.n)
  t.ok(vectors >= N, `every text embedded in the end: ${vectors}`)
  const semantic = await app.inject({ method: 'GET', url: '/v1/search?kinds=organizations&q=visione%20artificiale%20per%20il%20controllo%20qualit%C3%A0', headers: auth('read') })
  t.equal(semantic.json().semanticMatching, true)
})
