/**
 * The typed client (client/index.ts) against a real app, and the generated types
 * (client/api-types.ts, client/openapi.json) against the OpenAPI document the app serves now:
 * this test fails when `npm run client:generate` has not been run since a schema changed.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { eventually, KEYS, testApp } from '../helpers/app.ts'
import { tempDir } from '../helpers/services.ts'
import { ApiError, EngineClient } from '../../client/index.ts'
import { DOCUMENT_FILE, TYPES_FILE, documentText, typesFor } from '../../client/generate.ts'
import type { OpenAPI3 } from 'openapi-typescript'

/** Where two texts first differ, for a failure message that fits on a screen. */
function firstDifference (a: string, b: string): string {
  const x = a.split('\n')
  const y = b.split('\n')
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}: committed ${JSON.stringify(x[i] ?? '(end)')}, now ${JSON.stringify(y[i] ?? '(end)')}`
  }
  return 'no difference'
}

t.test('the typed client on a real app', async (t) => {
  // No model here: lexical matching keeps the app quick, and the client does not care.
  const app = await testApp(t, { MODELS_DIR: await tempDir(t) })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const writer = new EngineClient({ baseUrl, apiKey: KEYS.write })
  const reader = new EngineClient({ baseUrl, apiKey: () => KEYS.read })
  const admin = new EngineClient({ baseUrl, apiKey: KEYS.admin })
  const anonymous = new EngineClient({ baseUrl })

  t.test('writes, reads back, searches and matches', async (t) => {
    const put = await writer.putRecord('organizations', 'cl-1', { name: 'Officina Laser Brescia', kind: 'company', country: 'IT', region: 'Lombardia', competencies: ['saldatura laser', 'taglio laser'], needs: ['visione artificiale'], version: 1 })
    t.match(put, { kind: 'organizations', id: 'cl-1', outcome: 'created' })
    const bulk = await writer.bulk([
      { op: 'upsert', kind: 'organizations', id: 'cl-2', record: { name: 'Visione Srl', kind: 'company', country: 'IT', region: 'Lombardia', competencies: ['visione artificiale'], needs: ['saldatura laser'], version: 1 } },
      { op: 'upsert', kind: 'organizations', id: 'cl-3', record: { name: 'Ateneo di Prova', kind: 'university', country: 'IT', competencies: ['scienza dei materiali'], version: 1 } }
    ])
    t.match(bulk, { lines: 2, created: 2, failed: 0 })
    await eventually(async () => (await app.parts.searchIndex.count('organizations')) === 3, 60_000, 'indexed')

    const record = await reader.getRecord('organizations', 'cl-1')
    t.match(record, { name: 'Officina Laser Brescia', version: 1 })

    const found = await reader.search({ q: 'saldatura laser', kinds: ['organizations'], facets: ['country', 'org_kind'] })
    t.equal(found.results[0]?.id, 'cl-1')
    t.match(found.results[0]?.highlights.competencies_text ?? '', /<em>saldatura<\/em>/)
    t.same(found.facets.country?.map((c) => c.value), ['IT'], 'list parameters reach the service (facets)')
    t.notOk(found.facets.region, 'only the facets asked for')

    const matched = await reader.matchPartners({ organizationId: 'cl-2', mode: 'reciprocal', explain: true, limit: 5 })
    t.equal(matched.results[0]?.id, 'cl-1', 'the reciprocal partner first')
    const terms = Object.values(matched.results[0]?.features ?? {})
    t.ok(terms.length > 0 && Math.abs(terms.reduce((s, f) => s + (f?.contribution ?? 0), 0) - (matched.results[0]?.score ?? 0)) < 1e-3, 'explained: the contributions add up to the score')
  })

  t.test('errors carry the status, the message and the problems', async (t) => {
    const missing = await anonymous.search({ q: 'laser' }).catch((err: unknown) => err)
    t.ok(missing instanceof ApiError && missing.status === 401, 'no key: 401')
    const weak = await reader.status().catch((err: unknown) => err)
    t.ok(weak instanceof ApiError && weak.status === 403 && /admin/.test(weak.message), 'a read key on an admin route: 403')
    const bad = await reader.search({ q: 'laser', limit: 1000 }).catch((err: unknown) => err)
    t.ok(bad instanceof ApiError && bad.status === 400 && bad.problems.some((p) => p.field === 'querystring.limit'), 'a bad parameter: 400 with the field')
    const absent = await reader.getRecord('people', 'nobody').catch((err: unknown) => err)
    t.ok(absent instanceof ApiError && absent.status === 404)
  })

  t.test('admin routes and the console session', async (t) => {
    const status = await admin.status()
    t.match(status.kinds.find((k) => k.kind === 'organizations'), { rows: 3 })
    const ranker = await admin.ranker()
    t.equal(ranker.source, 'hand-set')
    t.same(await reader.session(), { scope: 'read', keyRequired: true })
    t.same(await admin.session(), { scope: 'admin', keyRequired: true })
    t.same(await anonymous.session(), { scope: null, keyRequired: true })
    t.same(await new EngineClient({ baseUrl, apiKey: 'not-a-key-of-this-service' }).session(), { scope: null, keyRequired: true })
  })

  t.test('the console is served at / beside the API and /docs', async (t) => {
    const page = await fetch(`${baseUrl}/`)
    t.equal(page.status, 200)
    t.match(page.headers.get('content-type'), /text\/html/)
    t.match(page.headers.get('content-security-policy'), /script-src 'self'/)
    t.match(await page.text(), /<script type="module" src="\/console\/app\.js">/)
    const bundle = await fetch(`${baseUrl}/console/app.js`)
    t.equal(bundle.status, 200)
    t.match(bundle.headers.get('content-type'), /javascript/)
    const etag = bundle.headers.get('etag') as string
    t.ok((await bundle.text()).length > 10_000, 'the bundle, built in memory')
    t.equal((await fetch(`${baseUrl}/console/app.js`, { headers: { 'if-none-match': etag } })).status, 304, 'unchanged: 304')
    t.equal((await fetch(`${baseUrl}/console/styles.css`)).status, 200)
    t.equal((await fetch(`${baseUrl}/docs/json`)).status, 200, '/docs still served')
    t.equal((await fetch(`${baseUrl}/health`)).status, 200)
    const noKey = await fetch(`${baseUrl}/v1/search?q=laser`)
    t.equal(noKey.status, 401, 'the API still wants a key')
  })

  t.test('the committed OpenAPI document and types are those of the service as it is now', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/docs/json' })
    const document = res.json() as OpenAPI3
    t.notOk(Object.keys(document.paths ?? {}).some((p) => p === '/' || p.startsWith('/console')), 'the console\'s routes are not in the API document')
    const committedDocument = await readFile(DOCUMENT_FILE, 'utf8')
    const currentDocument = documentText(document)
    t.ok(committedDocument === currentDocument, `client/openapi.json is up to date (npm run client:generate): ${firstDifference(committedDocument, currentDocument)}`)
    const committedTypes = await readFile(TYPES_FILE, 'utf8')
    const currentTypes = await typesFor(document)
    t.ok(committedTypes === currentTypes, `client/api-types.ts is up to date (npm run client:generate): ${firstDifference(committedTypes, currentTypes)}`)
  })
})
