import t from 'tap'
import { sql } from 'kysely'
import { Migrator } from 'kysely'
import { testApp, auth } from '../helpers/app.ts'
import { MIGRATIONS } from '../../src/store/migrations/index.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { storeAdapters } from '../helpers/stores.ts'

// The version scheme (docs/api.md): the engine never invents a version, so a record can never be
// locked out of the portal's own versions.

const org = { name: 'Fonderia Bergamasca', kind: 'company', country: 'IT' }

t.test('writes and deletes without a version never lock out later versions', async (t) => {
  const app = await testApp(t)
  const put = (id: string, body: object) => app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload: body, headers: auth('write') })
  const del = (id: string, query = '') => app.inject({ method: 'DELETE', url: `/v1/organizations/${id}${query}`, headers: auth('write') })
  const get = (id: string) => app.inject({ method: 'GET', url: `/v1/organizations/${id}`, headers: auth('read') })

  t.equal((await put('v-1', { ...org, version: 1 })).statusCode, 201)
  const d = await del('v-1')
  t.match(d.json(), { outcome: 'deleted', version: 1, revision: 2 })
  const back = await put('v-1', { ...org, version: 2 })
  t.equal(back.statusCode, 201, 'version 2 after an unversioned delete lands')
  t.match(back.json(), { outcome: 'created', version: 2, revision: 3 })
  t.equal((await get('v-1')).json().version, 2)

  t.equal((await put('v-2', org)).statusCode, 201, 'an unversioned write')
  const unchanged = await put('v-2', org)
  t.match(unchanged.json(), { outcome: 'unchanged', version: null, revision: 1 }, 'the same unversioned write again changes nothing')
  const renamed = await put('v-2', { ...org, name: 'Fonderia Bergamasca Srl' })
  t.match(renamed.json(), { outcome: 'updated', version: null, revision: 2 }, 'an unversioned write with new content applies')
  t.equal((await put('v-2', { ...org, version: 1 })).statusCode, 200, 'the first versioned write lands after unversioned ones')
  t.equal((await put('v-2', { ...org, name: 'later, unversioned' })).statusCode, 200, 'an unversioned write still applies')
  t.equal((await get('v-2')).json().version, 1, 'and keeps the version it found')
  const stale = await put('v-2', { ...org, version: 1, name: 'replay' })
  t.equal(stale.statusCode, 409, 'a replay of version 1 is refused')
  t.match(stale.json(), { outcome: 'stale', version: 1, storedVersion: 1 })
  t.equal((await put('v-2', { ...org, version: 2 })).statusCode, 200, 'version 2 lands')
  t.equal((await put('v-2', { ...org, name: 'unversioned again' })).statusCode, 200)
  const again = await put('v-2', { ...org, name: 'unversioned again' })
  t.match(again.json(), { outcome: 'unchanged', version: 2 }, 'the same unversioned write again, after a versioned one: unchanged, not a 409')

  t.equal((await del('v-2', '?version=1')).statusCode, 409, 'an older versioned delete is refused')
  t.equal((await del('v-2', '?version=3')).json().outcome, 'deleted')
  t.equal((await del('v-2', '?version=3')).json().outcome, 'unchanged', 'a replayed delete changes nothing')
  t.equal((await put('v-2', { ...org, version: 3 })).statusCode, 409, 'a write as old as the delete cannot resurrect it')
  t.equal((await put('v-2', { ...org, version: 4 })).statusCode, 201)

  t.equal((await del('v-3', '?version=5')).statusCode, 404, 'a delete that comes before the record: 404')
  t.equal((await put('v-3', { ...org, version: 4 })).statusCode, 409, 'but the older write that comes after it cannot create the record')
  t.equal((await get('v-3')).statusCode, 404)
  t.equal((await put('v-3', { ...org, version: 6 })).statusCode, 201, 'a newer one does')
  t.equal((await del('v-4')).statusCode, 404, 'an unversioned delete of nothing leaves nothing')
  t.equal((await put('v-4', { ...org, version: 1 })).statusCode, 201)
})

for (const adapter of storeAdapters) {
  t.test(`migration 0006 carries rows of the old scheme over: ${adapter.name}`, async (t) => {
    const store = await adapter.open(t)
    if (!store) return
    t.teardown(() => store.close())
    const names = Object.keys(MIGRATIONS)
    const before = names[names.indexOf('0006-record-revisions') - 1] as string
    const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => MIGRATIONS } })
    const to = await migrator.migrateTo(before)
    t.notOk(to.error, `migrated to ${before}`)
    const clock = Date.now() - 60_000
    const rows: Array<[string, number, boolean, object]> = [
      ['portal-int', 7, false, { name: 'A', version: 7 }], // the portal's own version
      ['engine-clock', clock, false, { name: 'B', version: clock }], // the engine's Date.now()
      ['engine-delete', clock + 1, true, { id: 'engine-delete' }], // a delete without a version
      ['updated-at', Date.parse('2025-03-01T10:00:00Z'), false, { name: 'C', updatedAt: '2025-03-01T10:00:00Z', version: Date.parse('2025-03-01T10:00:00Z') }],
      ['pre-1970', Date.parse('1969-07-20T20:17:00Z'), false, { name: 'D', updatedAt: '1969-07-20T20:17:00Z', version: Date.parse('1969-07-20T20:17:00Z') }]
    ]
    for (const [id, version, deleted, body] of rows) {
      await sql`insert into records (kind, id, version, visibility, deleted, body) values ('organizations', ${id}, ${version}, 'public', ${deleted}, ${JSON.stringify(body)}::jsonb)`.execute(store.db)
      await sql`insert into outbox (kind, record_id, version, op) values ('organizations', ${id}, ${version}, ${deleted ? 'delete' : 'upsert'})`.execute(store.db)
    }
    t.same(await migrateToLatest(store.db), names.slice(names.indexOf('0006-record-revisions')))
    const after = await store.db.selectFrom('records').select(['id', 'version', 'revision', 'body']).orderBy('id').execute()
    const byId = new Map(after.map((r) => [r.id, { version: r.version === null ? null : Number(r.version), revision: Number(r.revision), body: r.body as Record<string, unknown> }]))
    t.match(byId.get('portal-int'), { version: 7, revision: 7 })
    t.match(byId.get('engine-clock'), { version: null, revision: clock })
    t.notOk('version' in (byId.get('engine-clock')?.body ?? {}), 'the version the engine copied into the body is gone')
    t.match(byId.get('engine-delete'), { version: null, revision: clock + 1 })
    t.match(byId.get('updated-at'), { version: Date.parse('2025-03-01T10:00:00Z') })
    t.match(byId.get('pre-1970'), { version: Date.parse('1969-07-20T20:17:00Z'), revision: 1 }, 'a negative version gets a positive revision')
    const outbox = await store.db.selectFrom('outbox').select(['record_id', 'revision']).where('record_id', '=', 'pre-1970').executeTakeFirst()
    t.equal(Number(outbox?.revision), 1)
  })
}
