import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { tempDir } from '../helpers/services.ts'

t.test('the first start of the embedded default loads the demo data set, once', async (t) => {
  const dataDir = await tempDir(t)
  // No model here: this test is about loading, and lexical indexing keeps it quick.
  const env = { DEMO_DATA: 'true', DATA_DIR: dataDir, MODELS_DIR: await tempDir(t) }
  const first = await testApp(t, env)
  await first.ready()
  const counts = async () => Object.fromEntries((await first.parts.store.db.selectFrom('records').select(['kind']).select((eb) => eb.fn.countAll<string>().as('n')).groupBy('kind').execute()).map((r) => [r.kind, Number(r.n)]))
  await eventually(async () => Object.values(await counts()).reduce((a, b) => a + b, 0) === 4000, 120_000, '4000 demo records')
  const byKind = await counts()
  for (const kind of ['organizations', 'people', 'proposals', 'projects', 'communities', 'content']) t.ok((byKind[kind] ?? 0) > 0, `${kind}: ${byKind[kind]}`)
  await eventually(async () => (await first.parts.searchIndex.count('organizations')) === byKind.organizations, 120_000, 'organisations indexed')
  const search = await first.inject({ method: 'GET', url: '/v1/search?q=energia&kinds=organizations,proposals', headers: auth('read') })
  t.ok(search.json().results.length > 0, 'the demo set answers a search')
  await first.close()

  const again = await testApp(t, env)
  await again.ready()
  await new Promise((resolve) => setTimeout(resolve, 500))
  const total = Number((await again.parts.store.db.selectFrom('records').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst())?.n)
  t.equal(total, 4000, 'a second start loads nothing more')
})
