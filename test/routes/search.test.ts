import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { ORGS } from '../helpers/sample-orgs.ts'

t.test('GET /v1/search on the embedded default', async (t) => {
  const app = await testApp(t)
  for (const [id, body] of ORGS) await app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload: { ...body, version: 1 }, headers: auth('write') })
  await app.inject({ method: 'PUT', url: '/v1/proposals/s1', payload: { kind: 'technology_offer', title: 'Brevetto per il riciclo delle batterie', version: 1 }, headers: auth('write') })
  await app.inject({ method: 'PUT', url: '/v1/organizations/secret', payload: { name: 'Riciclo Segreto', kind: 'company', country: 'IT', description: 'Riciclo batterie', visibility: 'private', version: 1 }, headers: auth('write') })
  await eventually(async () => (await app.parts.searchIndex.count('organizations')) === ORGS.length + 1 && (await app.parts.searchIndex.count('proposals')) === 1, 60_000, 'indexed')
  const search = async (qs: string) => {
    const res = await app.inject({ method: 'GET', url: `/v1/search?${qs}`, headers: auth('read') })
    return { status: res.statusCode, body: res.json() }
  }

  t.test('hybrid results across kinds, with highlights; private records never', async (t) => {
    const { status, body } = await search('q=riciclo%20batterie&limit=5')
    t.equal(status, 200)
    const ids = body.results.map((r: { id: string }) => r.id)
    t.ok(ids.slice(0, 3).includes('o6') && ids.slice(0, 3).includes('s1'), `organisations and proposals: ${ids}`)
    t.notOk(ids.includes('secret'), 'private records are not searchable')
    const o6 = body.results.find((r: { id: string }) => r.id === 'o6')
    t.match(o6.highlights.text, /<em>Riciclo<\/em> delle <em>batterie<\/em>/)
  })

  t.test('filters and facets', async (t) => {
    const { body } = await search('q=batterie&kinds=organizations&facets=country,org_kind&country=IT')
    t.ok(body.results.every((r: { fields: { country: string } }) => r.fields.country === 'IT'))
    t.same(body.facets.country, [{ value: 'IT', count: 1 }])
  })

  t.test('more like this, without the record itself', async (t) => {
    const { body } = await search('moreLikeThis=organizations:o5&kinds=organizations&limit=3')
    const ids = body.results.map((r: { id: string }) => r.id)
    t.notOk(ids.includes('o5'))
    // Across languages the model carries the match: each text is analysed in its own language only,
    // so the English "recycling" no longer meets the Italian "riciclo" through shared stems, and the
    // English textile recycler ("recycled fibres") can come first.
    t.ok(ids.slice(0, 2).includes('o6'), `the Italian battery recycler is among the two most like the French one: ${ids}`)
  })

  t.test('pages and bad requests', async (t) => {
    const first = await search('q=innovazione%20ricerca&limit=2')
    const second = await search(`q=innovazione%20ricerca&limit=2&cursor=${first.body.nextCursor}`)
    t.equal(second.status, 200)
    t.notOk(second.body.results.some((r: { id: string }) => first.body.results.some((f: { id: string }) => f.id === r.id)))
    t.equal((await search('kinds=organizations')).status, 400)
    t.match((await search('q=x&kinds=planets')).body.message, /querystring\.kinds/)
    t.match((await search('q=x&facets=colour')).body.message, /querystring\.facets/)
    t.equal((await search('moreLikeThis=organizations:nope')).status, 404)
  })
})

t.test('closed proposals and passed deadlines are hidden from search unless asked for', async (t) => {
  const app = await testApp(t)
  const proposals: Array<[string, object]> = [
    ['open-1', { kind: 'technology_request', title: 'Cerchiamo idrogeno verde per la siderurgia', deadline: '2099-12-31' }],
    ['open-2', { kind: 'technology_request', title: 'Idrogeno per i forni del vetro' }],
    ['closed-1', { kind: 'technology_request', title: 'Idrogeno per autobus urbani', status: 'closed' }],
    ['draft-1', { kind: 'technology_request', title: 'Idrogeno nei porti', status: 'draft' }],
    ['expired-1', { kind: 'technology_request', title: 'Idrogeno per la logistica', deadline: '2020-01-31' }]
  ]
  for (const [id, body] of proposals) t.equal((await app.inject({ method: 'PUT', url: `/v1/proposals/${id}`, payload: body, headers: auth('write') })).statusCode, 201)
  await eventually(async () => (await app.parts.searchIndex.count('proposals')) === proposals.length, 60_000, 'indexed')
  const ids = async (qs: string) => (await app.inject({ method: 'GET', url: `/v1/search?kinds=proposals&q=idrogeno${qs}`, headers: auth('read') })).json().results.map((r: { id: string }) => r.id).sort()
  t.same(await ids(''), ['open-1', 'open-2'], 'by default: open, deadline not passed or none')
  t.same(await ids('&status=closed'), ['closed-1'], 'status asks for closed ones')
  t.same(await ids('&status=open,closed,draft&includeExpired=true'), ['closed-1', 'draft-1', 'expired-1', 'open-1', 'open-2'], 'and includeExpired for passed deadlines')
})
