import t from 'tap'
import { readFile } from 'node:fs/promises'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { freshDatabase, needs, services, tempDir } from '../helpers/services.ts'
import { exited, spawnScript, stopAtEnd } from '../helpers/processes.ts'
import { DEMO_RECORDS } from '../../fixtures/generate.ts'

// DEMO_DATA loads the demo only on the embedded default; `npm run demo:load` is the supported way to
// load it into a Postgres store (docs/deployment.md), through the bulk import path.
const CLI = 'src/cli/demo-load.ts'

t.test('npm run demo:load is a script of the project', async (t) => {
  const pkg = JSON.parse(await readFile('package.json', 'utf8'))
  t.equal(pkg.scripts['demo:load'], `tsx ${CLI}`)
})

t.test('--ndjson prints the demo as bulk import lines', async (t) => {
  const child = spawnScript(CLI, {}, ['--ndjson'])
  stopAtEnd(t, child)
  let stdout = ''
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString() })
  t.equal(await exited(child), 0, 'exits 0')
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l))
  t.equal(lines.length, DEMO_RECORDS)
  t.ok(lines.every((l) => l.op === 'upsert' && typeof l.kind === 'string' && typeof l.id === 'string' && typeof l.record === 'object'), 'each an upsert line')
})

t.test('loads the demo into an empty Postgres store, once; a service on that store indexes it', async (t) => {
  if (!await needs(t, 'Postgres', services.postgres)) return
  const databaseUrl = await freshDatabase(t)
  const env = { DATABASE_URL: databaseUrl, DATA_DIR: await tempDir(t), LOG_LEVEL: 'silent' }

  const first = spawnScript(CLI, env)
  stopAtEnd(t, first)
  t.equal(await exited(first), 0, 'exits 0', { output: first.output().slice(-500) })
  t.match(first.output(), new RegExp(`demo data: ${DEMO_RECORDS} lines, ${DEMO_RECORDS} created`), 'every line created')

  const again = spawnScript(CLI, env)
  stopAtEnd(t, again)
  t.equal(await exited(again), 1, 'a store that already holds records is refused')
  t.match(again.output(), /already holds records/)

  // No model: lexical indexing keeps this quick; the point is that the rows and their outbox are there.
  const app = await testApp(t, { DATABASE_URL: databaseUrl, MODELS_DIR: await tempDir(t) })
  await app.ready()
  const total = Number((await app.parts.store.db.selectFrom('records').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst())?.n)
  t.equal(total, DEMO_RECORDS, 'the store holds the demo once')
  const organizations = Number((await app.parts.store.db.selectFrom('records').where('kind', '=', 'organizations').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst())?.n)
  await eventually(async () => (await app.parts.searchIndex.count('organizations')) === organizations, 180_000, 'organisations indexed')
  const search = await app.inject({ method: 'GET', url: '/v1/search?q=energia&kinds=organizations,proposals', headers: auth('read') })
  t.ok(search.json().results.length > 0, 'the demo answers a search')
})
