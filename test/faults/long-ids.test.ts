import t from 'tap'
import { testApp, auth } from '../helpers/app.ts'

// Issue 32, case 6: the id pattern allows 128 characters while the router took path parameters of
// at most 100, so a record with a longer id was stored (by bulk) and then unreachable: 414 on GET,
// PUT, DELETE, recommendations and candidates. Every valid id must be reachable on every route,
// and an id past the limit refused with a 4xx that names the field.

const id = (prefix: string, length = 128) => (prefix + '-' + 'x'.repeat(length)).slice(0, length)

t.test('an id of 128 characters is reachable on every route; a longer one is refused naming params.id', async (t) => {
  const app = await testApp(t)
  const write = auth('write')
  const read = auth('read')
  const person = { name: 'Giulia Rossi', interests: ['robotica collaborativa'] }
  const proposal = { kind: 'collaboration', title: 'Robotica collaborativa per le PMI', seeks: ['robotica collaborativa'] }

  const bulkPerson = id('p-bulk')
  const bulkProposal = id('q:bulk.proposal_')
  t.equal(bulkPerson.length, 128)
  const lines = [
    { op: 'upsert', kind: 'people', id: bulkPerson, record: person },
    { op: 'upsert', kind: 'proposals', id: bulkProposal, record: proposal }
  ].map((l) => JSON.stringify(l)).join('\n')
  const imported = await app.inject({ method: 'POST', url: '/v1/bulk', payload: lines, headers: { 'content-type': 'application/x-ndjson', ...write } })
  t.match(imported.json(), { created: 2, failed: 0 }, 'bulk stores both 128-character ids')

  const putPerson = id('p-put')
  const putProposal = id('q-put')
  t.equal((await app.inject({ method: 'PUT', url: `/v1/people/${putPerson}`, payload: person, headers: write })).statusCode, 201, 'PUT creates a person with a 128-character id')
  // A colon sent percent-encoded, as a client's encodeURIComponent does: still the same id.
  t.equal((await app.inject({ method: 'PUT', url: `/v1/proposals/${encodeURIComponent(putProposal)}`, payload: proposal, headers: write })).statusCode, 201, 'PUT creates a proposal')
  const colonId = id('q:colon:id:')
  t.equal((await app.inject({ method: 'PUT', url: `/v1/proposals/${encodeURIComponent(colonId)}`, payload: proposal, headers: write })).statusCode, 201, 'PUT with a 128-character id, colons percent-encoded')
  t.equal((await app.inject({ method: 'GET', url: `/v1/proposals/${encodeURIComponent(colonId)}`, headers: read })).statusCode, 200)

  for (const [kind, key, body] of [['people', bulkPerson, person], ['people', putPerson, person], ['proposals', bulkProposal, proposal], ['proposals', putProposal, proposal]] as const) {
    const url = `/v1/${kind}/${key}`
    const got = await app.inject({ method: 'GET', url, headers: read })
    t.equal(got.statusCode, 200, `GET ${kind} of 128 characters`)
    const updated = await app.inject({ method: 'PUT', url, payload: { ...body, visibility: 'members' }, headers: write })
    t.equal(updated.statusCode, 200, `PUT ${kind} of 128 characters`)
    t.equal(updated.json().id, key)
  }
  const recommendations = await app.inject({ method: 'GET', url: `/v1/people/${bulkPerson}/recommendations`, headers: read })
  t.equal(recommendations.statusCode, 200, 'recommendations for a person with a 128-character id')
  const candidates = await app.inject({ method: 'GET', url: `/v1/proposals/${bulkProposal}/candidates`, headers: read })
  t.equal(candidates.statusCode, 200, 'candidates for a proposal with a 128-character id')
  for (const [kind, key] of [['people', bulkPerson], ['people', putPerson], ['proposals', bulkProposal], ['proposals', putProposal]] as const) {
    const deleted = await app.inject({ method: 'DELETE', url: `/v1/${kind}/${key}`, headers: write })
    t.equal(deleted.statusCode, 200, `DELETE ${kind} of 128 characters`)
    t.equal(deleted.json().outcome, 'deleted')
    t.equal((await app.inject({ method: 'GET', url: `/v1/${kind}/${key}`, headers: read })).statusCode, 404, 'and it is gone')
  }

  // Past the limit: a 4xx naming the field, on every route with an id in its path.
  for (const length of [129, 600]) {
    const long = id('too-long', length)
    for (const [method, url, payload] of [
      ['GET', `/v1/organizations/${long}`, undefined],
      ['PUT', `/v1/people/${long}`, person],
      ['DELETE', `/v1/proposals/${long}`, undefined],
      ['GET', `/v1/people/${long}/recommendations`, undefined],
      ['GET', `/v1/proposals/${long}/candidates`, undefined]
    ] as const) {
      const res = await app.inject({ method, url, headers: method === 'GET' ? read : write, ...(payload ? { payload } : {}) })
      t.ok(res.statusCode >= 400 && res.statusCode < 500, `${method} ${url.replace(long, `<${length} characters>`)}: ${res.statusCode}`)
      t.match(res.json(), { message: /params\.id/, problems: [{ field: 'params.id', problem: /128/ }] }, 'naming params.id and the limit')
    }
  }
  const bulkLong = await app.inject({ method: 'POST', url: '/v1/bulk', payload: JSON.stringify({ op: 'upsert', kind: 'people', id: id('p', 129), record: person }), headers: { 'content-type': 'application/x-ndjson', ...write } })
  t.match(bulkLong.json(), { created: 0, failed: 1, errors: [{ line: 1, field: 'id' }] }, 'bulk refuses a 129-character id, naming the field')
})
