import t from 'tap'
import { sql } from 'kysely'
import { createStore } from '../../src/store/create-store.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import type { Store } from '../../src/ports/store.ts'
import type { Database } from '../../src/store/schema.ts'
import { RecordRepository } from '../../src/records/record-repository.ts'
import { CollaborationGraph } from '../../src/match/collaboration-graph.ts'
import { Rng } from '../../fixtures/lib/prng.ts'
import { storeAdapters } from '../helpers/stores.ts'
import { freshDatabase, needs, services, tempDir } from '../helpers/services.ts'

const adapters = storeAdapters

/** Polls until `ok` holds: notifications arrive after their commit, not with it. */
async function eventually (ok: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!ok()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return true
}

// The SQL the matcher ran before the graph moved into memory: the oracle the graph must agree with.
async function sqlPartners (store: Store<Database>, seeker: string): Promise<Map<string, number>> {
  const rows = await sql<{ id: string, n: number }>`
    select b.organization_id as id, count(*)::int as n
    from project_participants a join project_participants b on a.project_id = b.project_id
    where a.organization_id = ${seeker} and b.organization_id <> ${seeker} group by 1`.execute(store.db)
  return new Map(rows.rows.map((r) => [r.id, r.n]))
}

async function sqlSharedPartners (store: Store<Database>, seeker: string, cands: string[]): Promise<Map<string, number>> {
  const rows = await sql<{ organization_id: string, n: number }>`
    with partners as (
      select distinct b.organization_id as partner
      from project_participants a join project_participants b on a.project_id = b.project_id
      where a.organization_id = ${seeker} and b.organization_id <> ${seeker}
    )
    select c.organization_id, count(distinct d.organization_id)::int as n
    from project_participants c join project_participants d on c.project_id = d.project_id
    join partners p on p.partner = d.organization_id
    where c.organization_id = any(${cands}) and d.organization_id <> c.organization_id
    group by c.organization_id`.execute(store.db)
  return new Map(rows.rows.map((r) => [r.organization_id, r.n]))
}

for (const adapter of adapters) {
  t.test(`collaboration graph in memory: ${adapter.name}`, async (t) => {
    const store = await adapter.open(t)
    if (!store) return
    t.teardown(() => store.close())
    await migrateToLatest(store.db)
    const repo = new RecordRepository(store.db)
    const rng = Rng.of('graph-test', adapter.name)
    const orgs = Array.from({ length: 30 }, (_, i) => `o${i}`)
    // A few hubs take part in many projects, as universities do.
    for (let p = 0; p < 80; p++) {
      const members = new Set([rng.pick(orgs.slice(0, 4)), ...rng.sample(orgs, 1 + rng.int(4))])
      await repo.put('projects', `p${p}`, { title: `Project ${p}`, programme: rng.pick(['SC1', 'SC5', 'LEIT']), participants: [...members].map((organizationId) => ({ organizationId, role: 'participant' })), version: 1 })
    }
    const graph = await CollaborationGraph.open(store)
    t.teardown(() => graph.close())

    for (const seeker of ['o0', 'o7', 'o29']) {
      const expected = await sqlPartners(store, seeker)
      t.same(new Set(graph.pastPartners(seeker)), new Set(expected.keys()), `${seeker}: past partners as SQL finds them`)
      const network = graph.network(seeker, { partners: 500, total: 500 })
      const direct = network.filter((h) => h.score >= 1_000_000)
      t.same(new Map(direct.map((h) => [h.id, h.score - 1_000_000])), expected, `${seeker}: past partners first, scored by shared projects`)
      t.ok(network.slice(direct.length).every((h) => h.score < 1_000_000 && !expected.has(h.id) && h.id !== seeker), `${seeker}: then partners of partners only`)
      const ranked = [...network].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      t.same(network, ranked, `${seeker}: best score first, then id`)
      t.same(graph.network(seeker, { partners: 3, total: 3 }), network.slice(0, 3), 'the limits cut the same order')
      t.same(graph.network(seeker, { partners: direct.length, total: direct.length + 2 }), network.slice(0, direct.length + 2), 'a short second list is the head of the long one')
      t.same(graph.network(seeker, { partners: 500, total: 1 }), direct, 'every past partner stays, whatever the total')
      const shared = graph.signals(seeker, orgs).sharedPartners
      t.same(shared, await sqlSharedPartners(store, seeker, orgs), `${seeker}: partners in common as SQL counts them`)
    }
    const leaders = graph.leaders('SC1', 3)
    const byCount = await sql<{ id: string, n: number }>`select organization_id as id, count(*)::int as n from project_participants where programme = 'SC1' group by 1 order by n desc, id limit 3`.execute(store.db)
    t.same(leaders, byCount.rows.map((r) => ({ id: r.id, score: r.n })), 'programme leaders: most projects first, then id')

    // Changes made through the repository reach the graph through the store's notifications.
    const before = graph.version
    await repo.put('projects', 'p-new', { title: 'New', programme: 'SC5', participants: [{ organizationId: 'o-alpha', role: 'coordinator' }, { organizationId: 'o-beta', role: 'participant' }], version: 1 })
    t.ok(await eventually(() => graph.pastPartners('o-alpha').includes('o-beta')), 'a new project shows up')
    t.ok(graph.version > before, 'the version moved')
    await repo.put('projects', 'p-new', { title: 'New', programme: 'SC5', participants: [{ organizationId: 'o-alpha', role: 'coordinator' }, { organizationId: 'o-gamma', role: 'participant' }], version: 2 })
    t.ok(await eventually(() => graph.pastPartners('o-alpha').join() === 'o-gamma'), 'a changed membership replaces the old one')
    t.same(graph.signals('o-alpha', ['o-gamma']).sharedProjects.get('o-gamma'), ['p-new'])
    await repo.delete('projects', 'p-new')
    t.ok(await eventually(() => graph.pastPartners('o-alpha').length === 0), 'a deleted project is gone')
    t.same(graph.leaders('SC5', 100).find((h) => h.id === 'o-alpha'), undefined, 'and so is its programme activity')

    // A rolled-back write notifies nobody and changes nothing.
    const version = graph.version
    await t.rejects(store.db.transaction().execute(async (tx) => {
      await repo.putIn(tx, 'projects', 'p-ghost', 1, { id: 'p-ghost', title: 'Ghost', participants: [{ organizationId: 'o-alpha', role: 'x' }, { organizationId: 'o-ghost', role: 'x' }], version: 1 })
      throw new Error('abort')
    }), /abort/)
    await new Promise((resolve) => setTimeout(resolve, 200))
    await graph.settled()
    t.equal(graph.version, version, 'no change applied')
    t.same(graph.pastPartners('o-alpha'), [])
  })
}

t.test('after its listening connection is killed, the graph re-reads what it missed', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const url = await freshDatabase(t)
  const store = await createStore<Database>({ databaseUrl: url, dataDir: await tempDir(t) })
  t.teardown(() => store.close())
  await migrateToLatest(store.db)
  const graph = await CollaborationGraph.open(store)
  t.teardown(() => graph.close())
  // The listening session is terminated and a write lands at once: its notification is lost when it
  // lands before the listener is back, and the re-read after the gap must bring it in.
  await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen %'`.execute(store.db)
  await new RecordRepository(store.db).put('projects', 'p1', { title: 'While away', participants: [{ organizationId: 'a', role: 'x' }, { organizationId: 'b', role: 'x' }], version: 1 })
  t.ok(await eventually(() => graph.pastPartners('a').includes('b')), 'the write made while the listener was away is in the graph')
})
