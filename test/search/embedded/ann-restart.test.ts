import t from 'tap'
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sql } from 'kysely'
import { testApp, eventually } from '../../helpers/app.ts'
import { tempDir } from '../../helpers/services.ts'
import { createStore } from '../../../src/store/create-store.ts'
import { migrateToLatest } from '../../../src/store/migrate.ts'
import type { Database } from '../../../src/store/schema.ts'
import { EmbeddedIndex } from '../../../src/search/embedded/embedded-index.ts'
import { ANN_UNAVAILABLE } from '../../../src/search/embedded/ann-column.ts'
import { VectorColumn } from '../../../src/search/embedded/vector-column.ts'
import type { Hit } from '../../../src/ports/retrieval.ts'
import { corpus, loadCorpus } from '../../../bench/lib/latency-corpus.ts'
import { SyntheticVectors } from '../../../bench/lib/synthetic-vectors.ts'

// Restarts of the whole app on one DATA_DIR (PGlite store, embedded index, the real model's name for
// the stored vectors): the kNN graphs written beside the store are loaded when they match the
// refilled vectors, and ignored and rebuilt in the background, the exact scan answering meanwhile,
// when they do not (records changed while the service was down, a truncated file, another column's
// graph). 1,400 people: enough that kNN without a filter goes through the graph (about 1,000 rows).
const MODEL = 'all-minilm-l6-v2'
const SIZE = { organizations: 300, people: 1400, proposals: 20, projects: 10, communities: 2, content: 10 }
const synthetic = new SyntheticVectors()
const lines = [...corpus(SIZE)]
const people = new Map<string, Float32Array>()
for (const line of lines) {
  if (line.kind !== 'people') continue
  const v = synthetic.record('people', line.id, { ...line.record, id: line.id, version: 1 }).facets.profile?.vector
  if (v) people.set(line.id, v)
}
// Queries near the vectors' clusters, as sentences are.
const queries = Array.from({ length: 60 }, (_, i) => synthetic.phrase(`query phrase ${i}`))

function truth (ids: Iterable<string>): Hit[][] {
  const col = new VectorColumn(384)
  for (const id of ids) col.set(id, people.get(id))
  return queries.map((q) => col.search(q, 20, () => true))
}
function recall (got: Hit[][], want: Hit[][]): number {
  let found = 0
  let wanted = 0
  got.forEach((hits, i) => {
    const expected = new Set((want[i] as Hit[]).map((h) => h.id))
    wanted += expected.size
    found += hits.filter((h) => expected.has(h.id)).length
  })
  return found / wanted
}

t.equal(ANN_UNAVAILABLE, null, 'the hnswlib-node addon loads')

t.test('a restart loads the graphs it wrote; graphs that no longer match are ignored and rebuilt while the scan answers', async (t) => {
  const dir = await tempDir(t)
  const store = await createStore<Database>({ dataDir: dir })
  await migrateToLatest(store.db)
  await loadCorpus(store.db, null, lines, synthetic, MODEL, () => {})
  await store.close()
  const graphDir = join(dir, 'ann-graphs')

  /** Starts the app on `dir`; resolves once the refill is done, with its index. */
  const start = async (graph?: string) => {
    const app = await testApp(t, { DATA_DIR: dir, EMBEDDING_MODEL: MODEL })
    const index = app.parts.searchIndex as EmbeddedIndex
    // Then each saved graph (or `graph`) is loaded, or found not to match (and rebuilt).
    await eventually(async () => app.pipeline?.refill?.state === 'done' &&
      Object.entries(index.graphStatus()).every(([name, g]) => g.state !== 'deferred' || (graph && name !== graph)), 60_000, 'the refill')
    return { app, index }
  }
  const knn = async (index: EmbeddedIndex) => {
    const out: Hit[][] = []
    for (const vector of queries) out.push((await index.retrieve({ kind: 'people', filter: {}, semantic: [{ facet: 'profile', vector }], size: 20 })).lists['knn:profile'] as Hit[])
    return out
  }
  const status = (index: EmbeddedIndex, name: string) => index.graphStatus()[name]

  // First start: no graph on disk; built in the background, then written.
  let { app, index } = await start()
  t.equal(index instanceof EmbeddedIndex, true)
  await eventually(async () => Object.values(index.graphStatus()).every((g) => g.state === 'ready'), 120_000, 'the first graphs')
  await index.graphsSettled()
  t.match(status(index, 'people-profile'), { source: 'built', rejected: 'no graph written yet', size: people.size })
  const files = await readdir(graphDir)
  t.ok(files.includes('people-profile.json') && files.some((f) => /^people-profile\.[0-9a-f]{16}\.hnsw$/.test(f)), `graph and description written: ${files.join(', ')}`)
  await app.close()

  // Normal restart: every graph loaded, none rebuilt; kNN goes through the graph.
  ;({ app, index } = await start())
  for (const [name, g] of Object.entries(index.graphStatus())) {
    t.match(g, { state: 'ready', source: 'loaded' }, `${name}: loaded from disk, not rebuilt`)
    t.notOk(g.rejected, `${name}: nothing rejected`)
  }
  const before = status(index, 'people-profile')?.answered.graph ?? 0
  let got = await knn(index)
  t.equal((status(index, 'people-profile')?.answered.graph ?? 0) - before, queries.length, 'every kNN search answered by the loaded graph')
  let r = recall(got, truth(people.keys()))
  t.ok(r >= 0.98, `recall@20 of the loaded graph against the exact scan: ${r.toFixed(4)} >= 0.98`)
  // A loaded graph follows changes as before: a person removed is never found again.
  const gone = got[0]?.[0]?.id as string
  await index.bulk([{ op: 'delete', kind: 'people', id: gone, version: 99 }])
  t.notOk((await knn(index)).some((hits) => hits.some((h) => h.id === gone)), 'a person deleted after the load is not found')
  await app.close()

  // Changed while down: three people deleted straight in the store. Their graphs no longer match.
  const down = [...people.keys()].slice(0, 3)
  const db = await createStore<Database>({ dataDir: dir })
  await sql`update records set deleted = true where kind = 'people' and id in (${sql.join(down)})`.execute(db.db)
  await db.close()
  // (The person deleted above only in the index is in the store still: refilled.)
  const alive = [...people.keys()].filter((id) => !down.includes(id))
  ;({ app, index } = await start('people-profile'))
  // While its graph is rebuilt, the exact scan answers with the exact result.
  const during = status(index, 'people-profile')
  t.match(during?.rejected ?? '', /other vectors|holds/, `people-profile not used: ${during?.rejected}`)
  t.equal(during?.state, 'building', 'rebuilding in the background')
  const want = truth(alive)
  let byScan = 0
  for (const [i, vector] of queries.entries()) {
    const exactBefore = status(index, 'people-profile')?.answered.exact ?? 0
    const hits = (await index.retrieve({ kind: 'people', filter: {}, semantic: [{ facet: 'profile', vector }], size: 20 })).lists['knn:profile']
    if ((status(index, 'people-profile')?.answered.exact ?? 0) === exactBefore) break // the graph is back
    byScan++
    t.same(hits, want[i], `query ${i} while rebuilding: the exact scan's answer`)
  }
  t.ok(byScan > 0, `${byScan} searches answered by the scan while the graph was rebuilt`)
  await eventually(async () => Object.values(index.graphStatus()).every((g) => g.state === 'ready'), 120_000, 'the rebuilds')
  t.match(status(index, 'organizations-profile'), { source: 'loaded' }, 'graphs of unchanged records still loaded')
  t.match(status(index, 'people-profile'), { source: 'built' })
  const graphBefore = status(index, 'people-profile')?.answered.graph ?? 0
  got = await knn(index)
  t.equal((status(index, 'people-profile')?.answered.graph ?? 0) - graphBefore, queries.length, 'once rebuilt, kNN goes through the graph again')
  r = recall(got, truth(alive))
  t.ok(r >= 0.98, `recall@20 of the rebuilt graph: ${r.toFixed(4)}`)
  t.ok(got.every((hits) => hits.every((h) => !down.includes(h.id))), 'no person deleted while down is found')
  await index.graphsSettled()
  await app.close()

  // A truncated graph file, and another column's graph in place of people-competencies.
  const profileFile = (await readdir(graphDir)).find((f) => /^people-profile\..*\.hnsw$/.test(f)) as string
  await truncate(join(graphDir, profileFile), 100_000)
  const orgs = JSON.parse(await readFile(join(graphDir, 'organizations-competencies.json'), 'utf8')) as { file: string }
  await writeFile(join(graphDir, `people-competencies.${orgs.file.slice(0, 16)}.hnsw`), await readFile(join(graphDir, `organizations-competencies.${orgs.file.slice(0, 16)}.hnsw`)))
  await writeFile(join(graphDir, 'people-competencies.json'), JSON.stringify(orgs))
  ;({ app, index } = await start())
  await eventually(async () => Object.values(index.graphStatus()).every((g) => g.state === 'ready'), 120_000, 'the rebuilds')
  t.match(status(index, 'people-profile'), { source: 'built', rejected: /truncated/ }, 'truncated file ignored, graph rebuilt')
  t.match(status(index, 'people-competencies'), { source: 'built', rejected: /vectors/ }, 'another column\'s graph ignored, graph rebuilt')
  t.match(status(index, 'people-needs'), { source: 'loaded' }, 'the other people graph loaded')
  r = recall(await knn(index), truth(alive))
  t.ok(r >= 0.98, `recall@20 after the rebuild: ${r.toFixed(4)}`)
})
