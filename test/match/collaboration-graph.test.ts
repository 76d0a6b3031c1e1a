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

// A past partner's closeness: Σ over shared projects of recency / (consortium size - 1); these
// projects have no start date, so each counts 0.5.
async function sqlCloseness (store: Store<Database>, seeker: string): Promise<Map<string, number>> {
  const rows = await sql<{ id: string, w: number }>`
    with sizes as (select project_id, count(*) as n from project_participants group by project_id)
    select b.organization_id as id, sum(0.5 / (s.n - 1))::float8 as w
    from project_participants a join project_participants b on a.project_id = b.project_id
    join sizes s on s.project_id = a.project_id
    where a.organization_id = ${seeker} and b.organization_id <> ${seeker} group by 1`.execute(store.db)
  return new Map(rows.rows.map((r) => [r.id, r.w]))
}

// Resource allocation and the Salton index of each candidate, from partner lists built in SQL.
async function sqlTies (store: Store<Database>, seeker: string, cands: string[]): Promise<Map<string, { allocation: number, salton: number }>> {
  const rows = await sql<{ a: string, b: string }>`
    select distinct a.organization_id as a, b.organization_id as b
    from project_participants a join project_participants b on a.project_id = b.project_id
    where a.organization_id <> b.organization_id`.execute(store.db)
  const partners = new Map<string, Set<string>>()
  for (const r of rows.rows) {
    let set = partners.get(r.a)
    if (!set) partners.set(r.a, set = new Set())
    set.add(r.b)
  }
  const mine = partners.get(seeker) ?? new Set<string>()
  const out = new Map<string, { allocation: number, salton: number }>()
  for (const c of cands) {
    const theirs = partners.get(c) ?? new Set<string>()
    const common = [...mine].filter((z) => z !== c && z !== seeker && theirs.has(z))
    if (common.length === 0) continue
    out.set(c, { allocation: common.reduce((s, z) => s + 1 / (partners.get(z) as Set<string>).size, 0), salton: common.length / Math.sqrt(mine.size * theirs.size) })
  }
  return out
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
      const closeness = await sqlCloseness(store, seeker)
      t.same(new Set(direct.map((h) => h.id)), new Set(expected.keys()), `${seeker}: every past partner first`)
      t.ok(direct.every((h) => Math.abs(h.score - 1_000_000 - (closeness.get(h.id) as number)) < 1e-6), `${seeker}: scored by closeness as SQL computes it`)
      t.ok(network.slice(direct.length).every((h) => h.score < 1_000_000 && !expected.has(h.id) && h.id !== seeker), `${seeker}: then partners of partners only`)
      const ranked = [...network].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      t.same(network, ranked, `${seeker}: best score first, then id`)
      t.same(graph.network(seeker, { partners: 3, total: 3 }), network.slice(0, 3), 'the limits cut the same order')
      t.same(graph.network(seeker, { partners: direct.length, total: direct.length + 2 }), network.slice(0, direct.length + 2), 'a short second list is the head of the long one')
      t.same(graph.network(seeker, { partners: 500, total: 1 }), direct, 'every past partner stays, whatever the total')
      const signals = graph.signals(seeker, orgs)
      t.same(signals.sharedPartners, await sqlSharedPartners(store, seeker, orgs), `${seeker}: partners in common as SQL counts them`)
      const ties = await sqlTies(store, seeker, orgs)
      const close = (a: number, b: number) => Math.abs(a - b) < 1e-9
      t.ok([...ties].every(([c, x]) => close(signals.ties.get(c)?.allocation ?? -1, x.allocation) && close(signals.ties.get(c)?.salton ?? -1, x.salton)),
        `${seeker}: resource allocation and Salton index as computed from SQL partner lists (${ties.size} candidates)`)
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

t.test('the history before a date leaves later projects out, and recency counts back from its latest start', async (t) => {
  const store = await storeAdapters[0]?.open(t)
  if (!store) return
  t.teardown(() => store.close())
  await migrateToLatest(store.db)
  const repo = new RecordRepository(store.db)
  const put = (id: string, start: string, members: string[]) => repo.put('projects', id, { title: id, programme: 'SC1', start, participants: members.map((organizationId) => ({ organizationId, role: 'participant' })), version: 1 })
  await put('old', '2018-01-01', ['s', 'x'])
  await put('mid', '2020-01-01', ['s', 'y'])
  await put('new', '2022-01-01', ['s', 'z'])
  const before = await CollaborationGraph.before(store.db, '2021-01-01')
  t.same(before.pastPartners('s').sort(), ['x', 'y'], 'the 2022 project is not in the history before 2021')
  const ties = before.signals('s', ['x', 'y'], 'SC1').ties
  t.equal(ties.get('y')?.recent, 1, 'the latest project (2020) counts 1')
  t.ok(Math.abs((ties.get('x')?.recent as number) - 0.5) < 0.01, 'a project two years older counts half')
  t.equal(ties.get('x')?.area, 1, 'one shared project in the area asked for')
  t.equal(ties.get('x')?.strength, 1, 'a two-member project is the strongest tie')
})

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
