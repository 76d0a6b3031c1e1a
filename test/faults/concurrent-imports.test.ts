import t from 'tap'
import { testApp, auth } from '../helpers/app.ts'
import { freshDatabase, needs, services } from '../helpers/services.ts'

// Bulk imports that upsert and delete the same records at once, on a real Postgres: rows are locked
// in different orders, Postgres picks deadlock victims, and those transactions run again: every
// import answers 200 and the newest version of each record wins.
t.test('concurrent bulk imports over the same records: no 500, newest version wins', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const app = await testApp(t, { DATABASE_URL: await freshDatabase(t), RUN_WORKERS: 'false', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' })
  let version = 1
  const newest = new Map<string, { version: number, deleted: boolean }>()
  const files = Array.from({ length: 8 }, () => Array.from({ length: 300 }, () => {
    const id = `c-${Math.floor(Math.random() * 60)}`
    const v = version++
    const line = Math.random() < 0.2
      ? { op: 'delete', kind: 'organizations', id, version: v }
      : { op: 'upsert', kind: 'organizations', id, record: { name: `Org ${id} v${v}`, kind: 'company', country: 'IT', version: v } }
    const prev = newest.get(id)
    if (!prev || prev.version < v) newest.set(id, { version: v, deleted: line.op === 'delete' })
    return JSON.stringify(line)
  }).join('\n') + '\n')
  const answers = await Promise.all(files.map((payload) => app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })))
  t.same(answers.map((a) => a.statusCode), files.map(() => 200), 'every import answered 200')
  t.same(answers.map((a) => a.json().failed), files.map(() => 0), 'no line failed')
  let right = 0
  for (const [id, e] of newest) {
    const res = await app.inject({ method: 'GET', url: `/v1/organizations/${id}`, headers: auth('read') })
    if (e.deleted ? res.statusCode === 404 : res.statusCode === 200 && res.json().version === e.version) right++
    else t.fail(`${id}: expected ${e.deleted ? 'deleted' : 'version ' + e.version} at ${e.version}, got ${res.statusCode} ${res.body.slice(0, 80)}`)
  }
  t.equal(right, newest.size, `all ${newest.size} records at their newest version`)
})
