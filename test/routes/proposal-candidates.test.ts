import t from 'tap'
import { createServer } from 'node:http'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { ORGS } from '../helpers/sample-orgs.ts'
import type { InProcessQueue } from '../../src/queue/in-process-queue.ts'

t.test('GET /v1/proposals/:id/candidates and the new-proposal alert', async (t) => {
  // A real local webhook receiver.
  const received: any[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => { received.push(JSON.parse(body)); res.end('ok') })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.address() as { port: number }).port

  const app = await testApp(t, { ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`, ALERT_MIN_SCORE: '0.3' })
  const published: any[] = []
  ;(app.parts.queue as InProcessQueue).events.on('event', (topic: string, data: unknown) => published.push({ topic, data }))
  const put = (kind: string, id: string, body: object, version = 1) => app.inject({ method: 'PUT', url: `/v1/${kind}/${id}`, payload: { ...body, version }, headers: auth('write') })
  for (const [id, body] of ORGS) await put('organizations', id, body)
  await put('people', 'e1', { name: 'Elena', organizationId: 'o3', expertise: ['IoT sensors', 'condition monitoring'], interests: ['predictive maintenance'] })
  await put('people', 'e2', { name: 'Opted Out', expertise: ['IoT sensors'], optOut: true })
  await put('people', 'e3', { name: 'Private', expertise: ['IoT sensors'], visibility: 'private' })
  await put('people', 'a1', { name: 'Author', organizationId: 'o1', expertise: ['IoT sensors'] })
  await put('people', 'e4', { name: 'Wine Expert', expertise: ['viticoltura'], interests: ['enoturismo'] })
  await eventually(async () => (await app.parts.searchIndex.count('people')) === 5 && (await app.parts.searchIndex.count('organizations')) === ORGS.length, 60_000, 'indexed')
  t.equal(received.length, 0, 'no alert yet')

  const proposal = { kind: 'technology_request', title: 'Sensori per il monitoraggio delle macchine', seeks: ['IoT sensors', 'condition monitoring'], authorPersonId: 'a1', authorOrganizationId: 'o1' }
  t.equal((await put('proposals', 'q2', proposal)).statusCode, 201)

  t.test('candidates: organisations and people, opt-outs and visibility respected', async (t) => {
    await eventually(async () => (await app.parts.searchIndex.count('proposals')) === 1, 30_000, 'proposal indexed')
    const res = await app.inject({ method: 'GET', url: '/v1/proposals/q2/candidates?limit=30', headers: auth('read') })
    t.equal(res.statusCode, 200)
    const results = res.json().results as Array<{ type: string, id: string, reasons: { matched: Array<{ strength: string }>, interested?: boolean, summary: string[] } }>
    const ids = results.map((r) => `${r.type}:${r.id}`)
    t.ok(ids.includes('organization:o3'), 'the organisation with the sought competencies')
    t.ok(ids.includes('person:e1'), 'the person with the sought expertise')
    t.notOk(ids.includes('person:e4'), 'the wine expert has no reason to hear about sensors: not a candidate')
    t.ok(results.length < ORGS.length + 2, `only candidates with a reason, not the whole pool (${results.length})`)
    for (const r of results) {
      t.ok(r.reasons.matched.length > 0 || r.reasons.interested === true, `${r.id}: has a stated reason (${r.reasons.summary.join('; ')})`)
      t.ok(r.reasons.matched.every((m) => m.strength === 'strong' || m.strength === 'partial'), `${r.id}: matches stated as strong or partial`)
    }
    for (const gone of ['person:e2', 'person:e3', 'person:a1', 'organization:o1']) t.notOk(ids.includes(gone), `${gone} is never a candidate`)
    t.match(results.find((r) => r.id === 'e1')?.reasons.summary.join(' '), /Has the expertise sought/)
    const people = (await app.inject({ method: 'GET', url: '/v1/proposals/q2/candidates?types=person', headers: auth('read') })).json().results
    t.ok(people.length > 0 && people.every((r: { type: string }) => r.type === 'person'))
    t.equal((await app.inject({ method: 'GET', url: '/v1/proposals/none/candidates', headers: auth('read') })).statusCode, 404)
  })

  t.test('a new proposal with strong candidates emits one event, on the queue and to the webhook', async (t) => {
    await eventually(async () => received.length > 0, 30_000, 'webhook called')
    t.equal(received[0].type, 'proposal.candidates')
    t.equal(received[0].proposalId, 'q2')
    t.ok(received[0].candidates.some((c: { id: string }) => c.id === 'o3' || c.id === 'e1'), 'with its candidates')
    t.ok(received[0].candidates.every((c: { score: number }) => c.score >= 0.3), 'all above the alert score')
    t.ok(published.some((p) => p.topic === 'proposal.candidates' && p.data.proposalId === 'q2'), 'published on the queue')
    await put('proposals', 'q2', { ...proposal, title: 'Sensori IoT per le macchine' }, 2)
    await eventually(async () => (await app.parts.searchIndex.versionOf('proposals', 'q2')) === 2, 30_000, 'update indexed')
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.equal(received.length, 1, 'an update does not alert again')
  })
})
