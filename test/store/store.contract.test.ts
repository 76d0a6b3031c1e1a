import t from 'tap'
import { sql } from 'kysely'
import { createStore } from '../../src/store/create-store.ts'
import type { Store } from '../../src/ports/store.ts'
import type { Test } from 'tap'
import { needs, services, tempDir } from '../helpers/services.ts'

// One contract, every adapter: the embedded PGlite and a real Postgres server.
const adapters: Array<{ name: string, open: (t: Test) => Promise<Store | null> }> = [
  { name: 'pglite', open: async (t) => createStore({ dataDir: await tempDir(t) }) },
  {
    name: 'postgres',
    open: async (t) => (await needs(t, 'Postgres', services.postgres))
      ? createStore({ databaseUrl: services.postgres, dataDir: await tempDir(t) })
      : null
  }
]

for (const adapter of adapters) {
  t.test(`store contract: ${adapter.name}`, async (t) => {
    const store = await adapter.open(t)
    if (!store) return
    t.teardown(() => store.close())
    t.equal(store.adapter, adapter.name)

    t.test('reports itself up with a latency', async (t) => {
      const health = await store.health()
      t.equal(health.status, 'up')
      t.equal(health.part, 'store')
      t.type(health.latencyMs, 'number')
    })

    t.test('commits and rolls back transactions', async (t) => {
      const table = `contract_${adapter.name}_${process.pid}`
      await sql`create table ${sql.table(table)} (id int primary key, v text)`.execute(store.db)
      t.teardown(() => sql`drop table if exists ${sql.table(table)}`.execute(store.db))
      await store.db.transaction().execute(async (tx) => {
        await sql`insert into ${sql.table(table)} values (1, 'kept')`.execute(tx)
      })
      await t.rejects(store.db.transaction().execute(async (tx) => {
        await sql`insert into ${sql.table(table)} values (2, 'lost')`.execute(tx)
        throw new Error('abort')
      }), /abort/)
      const rows = await sql<{ id: number, v: string }>`select id, v from ${sql.table(table)} order by id`.execute(store.db)
      t.same(rows.rows, [{ id: 1, v: 'kept' }])
      const updated = await sql`update ${sql.table(table)} set v = 'changed' where id = 1`.execute(store.db)
      t.equal(Number(updated.numAffectedRows), 1, 'write reports affected rows')
    })

    t.test('concurrent transactions do not interleave', async (t) => {
      const table = `counter_${adapter.name}_${process.pid}`
      await sql`create table ${sql.table(table)} (id int primary key, n int not null)`.execute(store.db)
      t.teardown(() => sql`drop table if exists ${sql.table(table)}`.execute(store.db))
      await sql`insert into ${sql.table(table)} values (1, 0)`.execute(store.db)
      await Promise.all(Array.from({ length: 20 }, () => store.db.transaction().execute(async (tx) => {
        const row = await sql<{ n: number }>`select n from ${sql.table(table)} where id = 1 for update`.execute(tx)
        await sql`update ${sql.table(table)} set n = ${(row.rows[0]?.n ?? 0) + 1} where id = 1`.execute(tx)
      })))
      const final = await sql<{ n: number }>`select n from ${sql.table(table)} where id = 1`.execute(store.db)
      t.equal(final.rows[0]?.n, 20)
    })

    t.test('delivers notifications of committed transactions only, until unsubscribed', async (t) => {
      const channel = `contract_${adapter.name}_${process.pid}`
      const heard: string[] = []
      let arrived: () => void = () => {}
      const unlisten = await store.listen(channel, { onMessage: (p) => { heard.push(p); arrived() }, onGap: () => {} })
      const next = () => new Promise<void>((resolve) => { arrived = resolve })
      await t.rejects(store.db.transaction().execute(async (tx) => {
        await sql`select pg_notify(${channel}, 'rolled back')`.execute(tx)
        throw new Error('abort')
      }), /abort/)
      let waiting = next()
      await store.db.transaction().execute(async (tx) => {
        await sql`select pg_notify(${channel}, 'one')`.execute(tx)
        await sql`select pg_notify(${channel}, 'two')`.execute(tx)
      })
      await waiting
      if (heard.length < 2) { waiting = next(); await waiting }
      t.same(heard, ['one', 'two'], 'both payloads of the committed transaction, in order; none of the rolled-back one')
      await unlisten()
      await sql`select pg_notify(${channel}, 'after')`.execute(store.db)
      await new Promise((resolve) => setTimeout(resolve, 200))
      t.same(heard, ['one', 'two'], 'nothing after unsubscribing')
    })
  })
}

t.test('a Postgres listener that loses its connection comes back and reports the gap', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const store = await createStore({ databaseUrl: services.postgres, dataDir: await tempDir(t) })
  t.teardown(() => store.close())
  const channel = `gap_${process.pid}`
  const heard: string[] = []
  let gaps = 0
  await store.listen(channel, { onMessage: (p) => heard.push(p), onGap: () => { gaps++ } })
  // A real fault: the server ends the listening session (what a restart or failover does).
  const killed = await sql<{ n: number }>`
    select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
    where pid <> pg_backend_pid() and query ilike ${`listen "${channel}"`}`.execute(store.db)
  t.equal(killed.rows[0]?.n, 1, 'the listening session was terminated')
  const until = async (ok: () => boolean) => { for (let i = 0; i < 100 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 50)) }
  await until(() => gaps > 0)
  t.equal(gaps, 1, 'the gap is reported once the listener is back')
  await sql`select pg_notify(${channel}, 'after the gap')`.execute(store.db)
  await until(() => heard.length > 0)
  t.same(heard, ['after the gap'], 'notifications are heard again')
})

t.test('an unreachable Postgres fails at open with a clear message', async (t) => {
  await t.rejects(createStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', dataDir: await tempDir(t) }),
    /store \(postgres\) is not reachable/)
})
