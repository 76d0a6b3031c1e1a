import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'

const org = {
  name: 'Meccanica Brianza Srl',
  kind: 'company',
  size: 'small',
  country: 'IT',
  region: 'Lombardia',
  sectors: ['C.28'],
  s3Areas: ['Manifatturiero avanzato'],
  description: 'Macchine utensili e manutenzione predittiva',
  competencies: ['manutenzione predittiva', 'machine learning'],
  needs: ['sensori IoT'],
  version: 1
}

t.test('records API on the embedded default', async (t) => {
  const app = await testApp(t)
  const put = (id: string, body: unknown, headers = auth('write')) =>
    app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload: body as object, headers })
  const get = (id: string) => app.inject({ method: 'GET', url: `/v1/organizations/${id}`, headers: auth('read') })

  t.test('create, read back, replay, update, stale write', async (t) => {
    let res = await put('org-1', org)
    t.equal(res.statusCode, 201)
    t.match(res.json(), { kind: 'organizations', id: 'org-1', outcome: 'created', version: 1 })
    res = await get('org-1')
    t.equal(res.statusCode, 200)
    t.match(res.json(), { ...org, id: 'org-1' })

    res = await put('org-1', org)
    t.equal(res.statusCode, 200)
    t.equal(res.json().outcome, 'unchanged', 'a replay changes nothing')

    res = await put('org-1', { ...org, version: 3, name: 'Meccanica Brianza SpA' })
    t.equal(res.json().outcome, 'updated')

    res = await put('org-1', { ...org, version: 2, name: 'Old name' })
    t.equal(res.statusCode, 409)
    t.match(res.json(), { outcome: 'stale', version: 2, storedVersion: 3 })
    t.equal((await get('org-1')).json().name, 'Meccanica Brianza SpA', 'the stale write changed nothing')
  })

  t.test('bad input gets a 400 naming the field, and changes nothing', async (t) => {
    const before = (await get('org-1')).json()
    const cases: Array<[string, unknown, RegExp]> = [
      ['wrong type', { ...org, version: 9, name: 42 }, /body\.name/],
      ['unknown field', { ...org, version: 9, colour: 'red' }, /body\.colour/],
      ['missing field', { ...org, version: 9, name: undefined }, /body\.name/],
      ['bad enum', { ...org, version: 9, kind: 'pirate' }, /body\.kind/],
      ['bad country', { ...org, version: 9, country: 'Italy' }, /body\.country/],
      ['oversized text', { ...org, version: 9, description: 'x'.repeat(20_001) }, /body\.description/],
      ['negative version', { ...org, version: -1 }, /body\.version/]
    ]
    for (const [what, body, field] of cases) {
      const res = await put('org-1', body)
      t.equal(res.statusCode, 400, what)
      t.match(res.json().message, field, `${what}: names the field`)
      t.ok(Array.isArray(res.json().problems), `${what}: lists problems`)
    }
    let res = await app.inject({ method: 'PUT', url: '/v1/organizations/org-1', payload: '{"name": ', headers: { ...auth('write'), 'content-type': 'application/json' } })
    t.equal(res.statusCode, 400, 'bad JSON')
    t.match(res.json().message, /JSON/)
    res = await put('bad id with spaces', org)
    t.equal(res.statusCode, 400)
    t.match(res.json().message, /params\.id/)
    res = await put('org-1', { ...org, version: 9, id: 'org-2' })
    t.equal(res.statusCode, 400)
    t.match(res.json().message, /body\.id/)
    res = await app.inject({ method: 'PUT', url: '/v1/spaceships/x', payload: {}, headers: auth('write') })
    t.equal(res.statusCode, 404, 'unknown kind')
    t.same((await get('org-1')).json(), before, 'nothing changed')
  })

  t.test('API keys and scopes', async (t) => {
    let res = await app.inject({ method: 'PUT', url: '/v1/organizations/org-9', payload: org })
    t.equal(res.statusCode, 401)
    res = await app.inject({ method: 'PUT', url: '/v1/organizations/org-9', payload: org, headers: { authorization: 'Bearer not-a-key-0123456789' } })
    t.equal(res.statusCode, 401)
    res = await put('org-9', org, auth('read'))
    t.equal(res.statusCode, 403)
    t.match(res.json().message, /"write" is needed/)
    res = await app.inject({ method: 'GET', url: '/v1/organizations/org-1', headers: { 'x-api-key': 'read-key-0123456789abcdef' } })
    t.equal(res.statusCode, 200, 'X-API-Key works')
    res = await app.inject({ method: 'GET', url: '/v1/organizations/org-1' })
    t.equal(res.statusCode, 401, 'reads need a key too')
    t.equal((await get('org-9')).statusCode, 404, 'refused writes stored nothing')
  })

  t.test('written records reach the search index; deletes leave it', async (t) => {
    await eventually(async () => (await app.parts.searchIndex.versionOf('organizations', 'org-1')) === 3, 30_000, 'org-1 v3 indexed')
    t.pass('org-1 indexed at version 3')
    const res = await app.inject({ method: 'DELETE', url: '/v1/organizations/org-1', headers: auth('write') })
    t.equal(res.statusCode, 200)
    t.equal(res.json().outcome, 'deleted')
    t.equal((await get('org-1')).statusCode, 404)
    await eventually(async () => (await app.parts.searchIndex.versionOf('organizations', 'org-1')) === null, 30_000, 'org-1 removed')
    t.pass('removed from the index')
    const late = await put('org-1', { ...org, version: 3, name: 'Late copy' })
    t.equal(late.statusCode, 409, 'a write no newer than the record\'s version cannot resurrect it after a delete')
    t.equal((await get('org-1')).statusCode, 404)
    const again = await put('org-1', { ...org, version: 4 })
    t.equal(again.statusCode, 201, 'a newer version brings it back: the unversioned delete kept the version at 3')
    await eventually(async () => (await app.parts.searchIndex.versionOf('organizations', 'org-1')) === 5, 30_000, 'org-1 indexed again at revision 5')
    t.pass('indexed again at revision 5 (after the delete\'s 4)')
    t.equal((await app.inject({ method: 'DELETE', url: '/v1/organizations/nope', headers: auth('write') })).statusCode, 404)
  })

  t.test('every kind accepts a valid record', async (t) => {
    const samples: Record<string, object> = {
      people: { name: 'Giulia Rossi', organizationId: 'org-1', interests: ['robotica'], languages: ['it', 'en'] },
      proposals: { kind: 'technology_request', title: 'Cerchiamo sensori IoT', seeks: ['sensori IoT'], deadline: '2027-03-31', countriesSought: ['IT', 'DE'] },
      projects: { title: 'SMART-FACTORY', programme: 'H2020 LEIT', start: '2019-01-01', participants: [{ organizationId: 'org-1', role: 'coordinator' }] },
      communities: { title: 'Manifatturiero avanzato', tags: ['industria 4.0'] },
      content: { type: 'news', title: 'Bando aperto', text: 'Nuovo bando regionale', date: '2026-11-01' }
    }
    for (const [kind, body] of Object.entries(samples)) {
      const res = await app.inject({ method: 'PUT', url: `/v1/${kind}/s-1`, payload: body, headers: auth('write') })
      t.equal(res.statusCode, 201, `${kind}: ${res.body}`)
    }
  })

  t.test('the OpenAPI document is served at /docs', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/docs/json' })
    t.equal(res.statusCode, 200)
    t.ok(res.json().paths['/v1/organizations/{id}'].put, 'PUT documented')
  })
})
