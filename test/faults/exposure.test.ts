import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { testApp, auth, KEYS } from '../helpers/app.ts'
import { needs, services, tempDir } from '../helpers/services.ts'
import { redactSecrets } from '../../src/redact-secrets.ts'

// What the service shows to whom, and what it refuses before doing anything.

t.test('/ready shows only up or down without an admin key, and never a credential', async (t) => {
  if (!await needs(t, 'Elasticsearch', services.elasticsearch)) return
  // The dev node runs without security, so it answers whatever user and password the URL carries.
  const url = new URL(services.elasticsearch)
  url.username = 'elastic'
  url.password = 's3cretPass'
  const app = await testApp(t, { ELASTICSEARCH_URL: url.toString(), INDEX_PREFIX: `test-exposure-${process.pid}-` })
  for (const [who, headers] of [['no key', {}], ['a read key', auth('read')], ['a bad key', { authorization: 'Bearer not-a-key-0123456789' }]] as const) {
    const res = await app.inject({ method: 'GET', url: '/ready', headers })
    t.ok([200, 503].includes(res.statusCode), `${who}: answered`)
    for (const part of res.json().parts) t.same(Object.keys(part).sort(), ['part', 'status'], `${who}: ${part.part} shows only its status`)
    t.notMatch(res.body, /s3cretPass|elastic:/, `${who}: no credential`)
  }
  const admin = await app.inject({ method: 'GET', url: '/ready', headers: auth('admin') })
  const index = admin.json().parts.find((p: { part: string }) => p.part === 'searchIndex')
  t.equal(index.status, 'up')
  t.match(index.detail, /^http:\/\/\*\*\*@127\.0\.0\.1:\d+\/? cluster /, 'an admin sees the detail, redacted')
  t.notMatch(admin.body, /s3cretPass/, 'admin: no password either')
  t.ok(typeof index.latencyMs === 'number' && index.adapter === 'elasticsearch', 'an admin sees adapter and latency')
})

t.test('redactSecrets removes URL credentials and key=value secrets', async (t) => {
  t.equal(redactSecrets('http://elastic:s3cret@es:9200 cluster x green'), 'http://***@es:9200 cluster x green')
  t.equal(redactSecrets('redis://:pw@127.0.0.1:6379/0'), 'redis://***@127.0.0.1:6379/0')
  t.equal(redactSecrets('postgres://u:p@h/db?password=abc&sslmode=require'), 'postgres://***@h/db?password=***&sslmode=require')
  t.equal(redactSecrets('api_key: "xyz123" token=abc'), 'api_key: "***" token=***')
  t.equal(redactSecrets('no secrets here: /var/lib/models, pid 42'), 'no secrets here: /var/lib/models, pid 42')
})

t.test('a public HOST without API_KEYS is refused in one line, before anything is opened', async (t) => {
  const dataDir = await tempDir(t)
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, HOST: '0.0.0.0', PORT: '0', API_KEYS: '', DATA_DIR: dataDir, DATABASE_URL: '', DEMO_DATA: 'false', LOG_LEVEL: 'info' },
    encoding: 'utf8',
    timeout: 60_000
  })
  t.equal(run.status, 1, 'exits with 1')
  const lines = run.stderr.trim().split('\n')
  t.equal(lines.length, 1, `one line on stderr: ${run.stderr.trim()}`)
  t.match(lines[0], /HOST=0\.0\.0\.0 is not a loopback address, so API_KEYS must be set/)
  t.notMatch(run.stderr, /\n\s+at /, 'no stack trace')
  t.same(existsSync(dataDir) ? readdirSync(dataDir) : [], [], 'no store was created or migrated')
  t.equal(KEYS.admin.length > 16, true)
})

t.test('a cursor that decodes to JSON but is no cursor is a 400 on every paged route', async (t) => {
  const app = await testApp(t)
  const put = (url: string, payload: object) => app.inject({ method: 'PUT', url, payload, headers: auth('write') })
  t.equal((await put('/v1/people/p-1', { name: 'Giulia Rossi', interests: ['robotica collaborativa'] })).statusCode, 201)
  t.equal((await put('/v1/proposals/q-1', { kind: 'collaboration', title: 'Robotica collaborativa per le PMI', seeks: ['robotica'] })).statusCode, 201)
  for (const cursor of ['bnVsbA', Buffer.from('[1,2]').toString('base64url'), Buffer.from('42').toString('base64url'), Buffer.from('"o"').toString('base64url')]) {
    const routes = [
      { method: 'GET' as const, url: `/v1/search?q=robotica&cursor=${cursor}` },
      { method: 'POST' as const, url: '/v1/match/partners', payload: { text: 'robotica collaborativa', cursor } },
      { method: 'GET' as const, url: `/v1/people/p-1/recommendations?cursor=${cursor}` },
      { method: 'GET' as const, url: `/v1/proposals/q-1/candidates?cursor=${cursor}` }
    ]
    for (const r of routes) {
      const res = await app.inject({ ...r, headers: auth('read') })
      t.equal(res.statusCode, 400, `${r.method} ${r.url.split('?')[0]} with cursor ${cursor}`)
      t.match(res.json().message, /cursor/)
    }
  }
})

t.test('search and match while Elasticsearch is down: 503 with Retry-After, at once', async (t) => {
  // A closed loopback port: a real connection refusal.
  const app = await testApp(t, { ELASTICSEARCH_URL: 'http://127.0.0.1:1', MODELS_DIR: await tempDir(t) })
  for (const r of [
    { method: 'GET' as const, url: '/v1/search?q=robotica' },
    { method: 'GET' as const, url: '/v1/search?q=robotica&facets=country' },
    { method: 'POST' as const, url: '/v1/match/partners', payload: { text: 'robotica collaborativa per la logistica' } }
  ]) {
    const started = performance.now()
    const res = await app.inject({ ...r, headers: auth('read') })
    const ms = performance.now() - started
    t.equal(res.statusCode, 503, `${r.method} ${r.url}`)
    t.equal(res.headers['retry-after'], '5')
    t.match(res.json().message, /search index is unavailable/)
    // Not a speed figure: the bound tells an answer given at once (a refused connection) from one that
    // waited for the client's request timeout (30 s), with room for a loaded CI machine.
    t.ok(ms < 10_000, `answered in ${Math.round(ms)} ms`)
  }
})
