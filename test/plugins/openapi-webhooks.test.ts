import t from 'tap'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { Ajv } from 'ajv'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { ORGS } from '../helpers/sample-orgs.ts'
import type { AlertEvent } from '../../src/pipeline/proposal-alerts.ts'
import type { AlertEventBody } from '../../src/plugins/openapi.ts'

// The documented payload must be a body the service can send: a type error here when the schema
// (src/plugins/openapi.ts) allows what AlertEvent (src/pipeline/proposal-alerts.ts) does not.
export const documentedIsSent = (body: AlertEventBody): AlertEvent => body

t.test('the served OpenAPI document carries the proposal.candidates webhook, and a real delivery matches it', async (t) => {
  // A real local receiver, as a portal would run one: the raw body and headers of each delivery.
  const received: Array<{ method?: string, headers: IncomingHttpHeaders, body: string }> = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => { received.push({ method: req.method, headers: req.headers, body }); res.end() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.address() as { port: number }).port

  const app = await testApp(t, { ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/engine`, ALERT_MIN_SCORE: '0.3' })

  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  t.match(doc.openapi, /^3\.1\./, 'an OpenAPI 3.1 document: the version with webhooks')
  const hook = doc.webhooks?.['proposal.candidates']?.post
  t.ok(hook, 'webhooks["proposal.candidates"].post is documented')
  const schema = hook?.requestBody?.content?.['application/json']?.schema
  t.same(schema?.required, ['type', 'proposalId', 'candidates'], 'with its payload schema')
  t.same(Object.keys(schema?.properties?.candidates?.items?.properties ?? {}), ['type', 'id', 'score', 'summary'], 'and each candidate\'s fields')

  const put = (kind: string, id: string, body: object) => app.inject({ method: 'PUT', url: `/v1/${kind}/${id}`, payload: { ...body, version: 1 }, headers: auth('write') })
  for (const [id, body] of ORGS) await put('organizations', id, body)
  await put('people', 'e1', { name: 'Elena', organizationId: 'o3', expertise: ['IoT sensors', 'condition monitoring'], interests: ['predictive maintenance'] })
  await eventually(async () => (await app.parts.searchIndex.count('organizations')) === ORGS.length && (await app.parts.searchIndex.count('people')) === 1, 60_000, 'indexed')
  t.equal((await put('proposals', 'q1', { kind: 'technology_request', title: 'Sensori per il monitoraggio delle macchine', seeks: ['IoT sensors', 'condition monitoring'], authorOrganizationId: 'o1' })).statusCode, 201)
  await eventually(async () => received.length > 0, 60_000, 'the webhook delivery')

  const delivery = received[0] as typeof received[number]
  t.equal(delivery.method, 'POST')
  t.match(delivery.headers['content-type'], /^application\/json/)
  const body = JSON.parse(delivery.body)
  const validate = new Ajv({ strict: false }).compile(schema)
  t.ok(validate(body), `the delivered body validates against the documented schema: ${JSON.stringify(validate.errors)}`)
  t.equal(body.proposalId, 'q1')
  t.ok(body.candidates.some((c: { id: string }) => c.id === 'o3' || c.id === 'e1'), 'with its candidates')
})
