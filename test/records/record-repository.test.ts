import t from 'tap'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { RecordRepository, type RecordWrite } from '../../src/records/record-repository.ts'
import { PROJECT_CHANGES } from '../../src/store/channels.ts'
import { storeAdapters } from '../helpers/stores.ts'

// A batch through putManyIn (putIn is a batch of one): outcomes, stored rows, outbox rows,
// participants and notifications, on both store adapters.
const adapters = storeAdapters

const org = (id: string, version: number, name = `Org ${id}`): RecordWrite =>
  ({ kind: 'organizations', id, version, body: { id, version, name, kind: 'company', country: 'IT' } })
const project = (id: string, version: number, members: string[]): RecordWrite =>
  ({ kind: 'projects', id, version, body: { id, version, title: `Project ${id}`, programme: 'H2020', participants: members.map((m, i) => ({ organizationId: m, role: i === 0 ? 'coordinator' : 'participant' })) } })

for (const adapter of adapters) {
  t.test(`putManyIn writes a batch as single writes would: ${adapter.name}`, async (t) => {
    const store = await adapter.open(t)
    if (!store) return
    t.teardown(() => store.close())
    await migrateToLatest(store.db)
    const repo = new RecordRepository(store.db)
    const notified: string[] = []
    const unlisten = await store.listen(PROJECT_CHANGES, { onMessage: (id) => notified.push(id), onGap: () => {} })
    t.teardown(unlisten)

    // What is stored before the batch: one record per case the batch then meets.
    await store.db.transaction().execute(async (tx) => {
      for (const w of [org('same', 3), org('older', 5), org('newer', 1), org('gone', 1), project('p1', 1, ['a', 'b'])]) {
        await repo.putIn(tx, w.kind, w.id, w.version, w.body)
      }
      await repo.deleteIn(tx, 'organizations', 'gone', 2)
    })
    const outboxBefore = Number((await store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst())?.n)
    const heard = async (n: number) => {
      for (let i = 0; i < 250 && notified.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    // The setup's own notification first, so that it cannot arrive among the batch's.
    await heard(1)
    t.same(notified, ['p1'], 'the setup\'s project notified')
    notified.length = 0

    const batch = [
      org('fresh', 1), // created
      org('same', 3), // unchanged: same version, same body
      org('older', 4), // stale: older than stored
      org('older-same-version', 1), // created
      org('newer', 2, 'Renamed'), // updated
      org('gone', 2), // stale: as old as the delete
      project('p1', 2, ['b', 'c', 'c']), // updated: participants replaced, the duplicate once
      project('p2', 1, []) // created, no participants
    ]
    const results = await store.db.transaction().execute((tx) => repo.putManyIn(tx, batch))
    t.same(results.map((r) => r.outcome), ['created', 'unchanged', 'stale', 'created', 'updated', 'stale', 'updated', 'created'])
    t.equal(results[2]?.storedVersion, 5, 'a stale write reports the stored version')
    t.equal(results[5]?.storedVersion, 2, 'the delete\'s version')

    const outbox = await store.db.selectFrom('outbox').select(['kind', 'record_id', 'revision', 'op']).where('seq', '>', String(outboxBefore)).orderBy('record_id').execute()
    t.same(outbox.map((o) => `${o.record_id}@${Number(o.revision)}`), ['fresh@1', 'newer@2', 'older-same-version@1', 'p1@2', 'p2@1'], 'one outbox row per record written, none for the ignored')

    const newer = await repo.get('organizations', 'newer')
    t.equal(newer?.body.name, 'Renamed')
    t.equal((await repo.get('organizations', 'older'))?.version, 5, 'the stale write changed nothing')
    t.equal(await repo.get('organizations', 'gone'), null, 'a deleted record stays deleted')

    const participants = await store.db.selectFrom('project_participants').select(['project_id', 'organization_id', 'role', 'programme']).orderBy('project_id').orderBy('organization_id').execute()
    t.same(participants, [
      { project_id: 'p1', organization_id: 'b', role: 'coordinator', programme: 'H2020' },
      { project_id: 'p1', organization_id: 'c', role: 'participant', programme: 'H2020' }
    ])
    await heard(2)
    await new Promise((resolve) => setTimeout(resolve, 200)) // room for a duplicate to show
    t.same([...notified].sort(), ['p1', 'p2'], 'each project written is notified once')

    const again = await store.db.transaction().execute((tx) => repo.putManyIn(tx, batch))
    t.same(again.map((r) => r.outcome), ['unchanged', 'unchanged', 'stale', 'unchanged', 'unchanged', 'stale', 'unchanged', 'unchanged'], 'the same batch again changes nothing')

    await t.rejects(store.db.transaction().execute((tx) => repo.putManyIn(tx, [org('twice', 1), org('twice', 2)])), /twice in one batch/)
    t.same(await repo.putManyIn(undefined as never, []), [], 'an empty batch needs no statement')
  })
}
