import t, { type Test } from 'tap'
import net from 'node:net'
import pg from 'pg'
import { sql, type Kysely } from 'kysely'
import { createStore } from '../../src/store/create-store.ts'
import { createPgPool } from '../../src/store/pg-pool.ts'
import { PgListener } from '../../src/store/pg-listener.ts'
import { retryTransaction } from '../../src/store/retry-transaction.ts'
import { StoreUnavailableError, isConnectionLoss } from '../../src/store/store-unavailable.ts'
import { freshDatabase, needs, onCleanup, services, tempDir } from '../helpers/services.ts'

// The Postgres server drops the store's connections (a restart, a failover, pg_terminate_backend):
// whatever was using them fails as StoreUnavailableError or runs again, and nothing stops the
// process. (An uncaught exception here fails this file.) test/faults/postgres-terminated.test.ts
// does the same to the whole service during a bulk import.

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function admin (t: Test) {
  const c = new pg.Client({ connectionString: services.postgres })
  await c.connect()
  onCleanup(t, () => c.end())
  return { terminate: async (pid: number) => (await c.query('select pg_terminate_backend($1)', [pid])).rowCount }
}

async function openStore (t: Test) {
  const store = await createStore({ databaseUrl: await freshDatabase(t), dataDir: await tempDir(t) })
  onCleanup(t, () => store.close())
  return store
}

const backendPid = async (db: Kysely<any>) => Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]?.pid)

t.test('a connection terminated while a transaction holds it, between two statements: the transaction fails as StoreUnavailableError, the process goes on', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const store = await openStore(t)
  const { terminate } = await admin(t)
  const failed = await store.db.transaction().execute(async (tx) => {
    await terminate(await backendPid(tx))
    // The server's goodbye arrives while the connection is checked out and no query runs: the
    // pool listens on idle connections only, so without a listener of its own this 'error' was
    // an uncaught exception.
    await pause(300)
    await sql`select 1`.execute(tx)
  }).then(() => null, (err: unknown) => err)
  t.ok(failed instanceof StoreUnavailableError, `fails as StoreUnavailableError: ${String(failed)}`)
  t.match(failed, { statusCode: 503, code: 'STORE_UNAVAILABLE', retryAfterS: 1 })
  t.notMatch(String((failed as Error).message), /127\.0\.0\.1|postgres:/, 'the message names no address')
  t.equal((await store.health()).status, 'up', 'the store answers again')
})

t.test('a query in flight when its connection is terminated fails as StoreUnavailableError; the next one runs', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const store = await openStore(t)
  const { terminate } = await admin(t)
  const pid = await backendPid(store.db)
  const sleeping = sql`select pg_sleep(5)`.execute(store.db).then(() => null, (err: unknown) => err)
  await pause(200)
  t.equal(await terminate(pid), 1)
  const failed = await sleeping
  t.ok(failed instanceof StoreUnavailableError, `fails as StoreUnavailableError: ${String(failed)}`)
  t.match((failed as Error).cause, { code: '57P01' }, 'the cause is kept for the log')
  t.same((await sql<{ one: number }>`select 1 as one`.execute(store.db)).rows, [{ one: 1 }])
})

t.test('retryTransaction runs a transaction whose connection was lost again on a new one', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const store = await openStore(t)
  const { terminate } = await admin(t)
  await sql`create table t (id int primary key, n int)`.execute(store.db)
  const pids: number[] = []
  const result = await retryTransaction(store.db, async (tx) => {
    const pid = await backendPid(tx)
    pids.push(pid)
    await sql`insert into t values (1, 1) on conflict (id) do update set n = t.n + 1`.execute(tx)
    if (pids.length === 1) {
      await terminate(pid)
      await pause(100)
    }
    return (await sql<{ n: number }>`select n from t where id = 1`.execute(tx)).rows[0]?.n
  })
  t.equal(pids.length, 2, 'ran twice')
  t.not(pids[0], pids[1], 'on another connection')
  t.equal(result, 1, 'the first attempt left nothing behind')
  t.same((await sql`select id, n from t`.execute(store.db)).rows, [{ id: 1, n: 1 }])
})

t.test('retryTransaction gives up with StoreUnavailableError when the connection is lost every time; other errors are not retried', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const store = await openStore(t)
  const { terminate } = await admin(t)
  let runs = 0
  const started = Date.now()
  const failed = await retryTransaction(store.db, async (tx) => {
    runs++
    await terminate(await backendPid(tx))
    await pause(50)
    await sql`select 1`.execute(tx)
  }, 3).then(() => null, (err: unknown) => err)
  t.equal(runs, 3, 'three attempts')
  t.ok(failed instanceof StoreUnavailableError, String(failed))
  t.ok(Date.now() - started >= 200, 'with pauses between them')
  let syntax = 0
  const wrong = await retryTransaction(store.db, async (tx) => { syntax++; await sql`select from nowhere`.execute(tx) }).then(() => null, (err: unknown) => err)
  t.equal(syntax, 1, 'a statement error runs once')
  t.match(wrong, { code: '42P01' }, 'and is passed on as it is')
})

t.test('an unreachable server: a connect fails as StoreUnavailableError', async (t) => {
  const pool = createPgPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' })
  onCleanup(t, () => pool.end())
  const failed = await pool.connect().then(() => null, (err: unknown) => err)
  t.ok(failed instanceof StoreUnavailableError, String(failed))
})

t.test('isConnectionLoss: lost or refused connections, not statement errors', async (t) => {
  const lost: Array<[string, unknown]> = [
    ['57P01 admin shutdown', { code: '57P01' }], ['57P02 crash shutdown', { code: '57P02' }], ['57P03 cannot connect now', { code: '57P03' }],
    ['08006 connection failure', { code: '08006' }], ['ECONNREFUSED', { code: 'ECONNREFUSED' }], ['ECONNRESET', { code: 'ECONNRESET' }],
    ['socket closed', new Error('Connection terminated unexpectedly')], ['a client that lost its connection', new Error('Client has encountered a connection error and is not queryable')],
    ['every address refused', new AggregateError([{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }])], ['already translated', new StoreUnavailableError(new Error('x'))]
  ]
  for (const [what, err] of lost) t.ok(isConnectionLoss(err), what)
  const not: Array<[string, unknown]> = [
    ['a deadlock (retried as such)', { code: '40P01' }], ['a unique violation', { code: '23505' }], ['a bad value', { code: '22P02' }],
    ['an unknown table', { code: '42P01' }], ['any other error', new Error('boom')], ['null', null], ['a string', 'text']
  ]
  for (const [what, err] of not) t.notOk(isConnectionLoss(err), `not: ${what}`)
})

t.test('a listener whose server is away reconnects in one loop and reports one gap when it is back', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  // A proxy in front of Postgres that can refuse every connection for a while.
  const target = new URL(services.postgres)
  let up = true
  let attempts = 0
  const sockets = new Set<net.Socket>()
  const proxy = net.createServer((client) => {
    attempts++
    if (!up) return client.destroy()
    const server = net.connect(Number(target.port || 5432), target.hostname)
    for (const [a, b] of [[client, server], [server, client]] as const) {
      sockets.add(a)
      a.pipe(b)
      a.on('error', () => b.destroy())
      a.on('close', () => { b.destroy(); sockets.delete(a) })
    }
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  onCleanup(t, () => new Promise((resolve) => proxy.close(resolve)))
  const url = new URL(services.postgres)
  url.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`
  const listener = new PgListener({ connectionString: url.toString(), retryMs: 10, maxRetryMs: 40 })
  onCleanup(t, () => listener.close())
  const heard = { gaps: 0 }
  await listener.listen('outage', { onMessage: () => {}, onGap: () => { heard.gaps++ } })

  up = false
  attempts = 0
  for (const s of sockets) s.destroy()
  await pause(1500)
  // One loop backing off to 40 ms tries about 40 times in 1.5 s; a loop started by each failed
  // attempt (as before) tried hundreds of times.
  t.ok(attempts > 5 && attempts < 80, `${attempts} connection attempts while the server was away`)
  up = true
  for (let i = 0; i < 100 && heard.gaps === 0; i++) await pause(20)
  await pause(300)
  t.equal(heard.gaps, 1, 'one gap reported when it is back')
})
