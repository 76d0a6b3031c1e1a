// A restart of the embedded default with 40k records: how long until kNN goes through the HNSW graphs
// again, with the graphs kept beside the store (DATA_DIR/ann-graphs, loaded when they match the refilled
// vectors) against without them (rebuilt in the background after the refill, as every start did
// before). The corpus is bench/match-latency.ts's embedded one (bench/lib/latency-corpus.ts: 10k
// organisations, 12k people, 9k proposals, 6k projects, 100 communities, 2.9k content items) with
// synthesised vectors (bench/lib/synthetic-vectors.ts), written once into a PGlite store. Each round
// starts a server process (package.json's start command, as `npm start`) on that store and polls /ready
// every 100 ms until the refill is done and every graph is ready; the rounds alternate: rebuilt (the
// first start, no files yet), kept, rebuilt (the graph folder moved aside, put back after), kept, ... Reported
// per round: seconds from spawn to /health, to the refill done, to every graph ready, and the server's
// CPU seconds until then; the kept/rebuilt ratio of the time to graphs within each pair of rounds.
// Then, in this process, an embedded index refilled from the store as the server does (stored vectors
// only, the exact scan answering) times the refill and the load of the kept graphs, and
// answers 300 held-out records' profile vectors through them: recall@20 against its exact scan, per
// column of 1,000 vectors or more. And the graph files' size on disk.
// Usage: npx tsx bench/ann-restart.ts   (each rebuilt round is the server's ~80 s of CPU for the graphs: 10+ minutes on 2 busy cores)
//   env: BENCH_ROUNDS=2 (pairs), EMBEDDING_MODEL=bge-small-en-v1.5 (the stored vectors' model name;
//   the server loads it), BENCH_SCALE=1 (fraction of the corpus: 0.05 for a quick trial)
import { cp, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStore } from '../src/store/create-store.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import type { Database } from '../src/store/schema.ts'
import { EmbeddedIndex } from '../src/search/embedded/embedded-index.ts'
import { SEARCHED_FACETS } from '../indexers/definitions.ts'
import type { Kind } from '../src/domain/kinds.ts'
import type { Hit } from '../src/ports/retrieval.ts'
import { records } from '../fixtures/generate.ts'
import { corpus, loadCorpus, type CorpusSize } from './lib/latency-corpus.ts'
import { SyntheticVectors } from './lib/synthetic-vectors.ts'
import { spawnServer } from './lib/server-process.ts'
import { reindexAll } from '../src/pipeline/reindex.ts'
import { VectorCache } from '../src/records/vector-cache.ts'
import { TransformersEmbedder } from '../src/embedding/transformers-embedder.ts'
import { loadModel } from '../src/embedding/load-model.ts'
import { modelSpec } from '../src/embedding/model-catalog.ts'
import { cpuSeconds } from './lib/process-cpu.ts'
import { report } from './lib/report.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const MODEL = process.env.EMBEDDING_MODEL ?? 'bge-small-en-v1.5'
const SCALE = Number(process.env.BENCH_SCALE ?? 1)
const SIZE = Object.fromEntries(Object.entries({ organizations: 10_000, people: 12_000, proposals: 9_000, projects: 6_000, communities: 100, content: 2_900 })
  .map(([k, n]) => [k, Math.max(1, Math.round(n * SCALE))])) as CorpusSize
const QUERIES = 300
const log = (m: string) => console.error(`[ann-restart] ${m}`)
const round2 = (x: number) => Math.round(x * 100) / 100

const dir = await mkdtemp(join(tmpdir(), 'engine-ann-restart-'))
const graphDir = join(dir, 'ann-graphs')
const synthetic = new SyntheticVectors()
try {
  // ---- the store
  log(`writing the corpus into ${dir}`)
  const store = await createStore<Database>({ dataDir: dir })
  await migrateToLatest(store.db)
  const loaded = await loadCorpus(store.db, null, corpus(SIZE), synthetic, MODEL, log)
  await store.close()
  log(`${loaded.records} records, ${loaded.indexed} indexed`)

  // ---- server rounds
  interface Round { mode: 'kept' | 'rebuilt', round: number, healthS: number, refillS: number, graphsS: number, afterHealthS: number, afterRefillS: number, cpuS: number | null, loaded: number, graphs: number }
  const settings = { RUN_WORKERS: 'true', DEMO_DATA: 'false', LOG_LEVEL: 'warn', EMBEDDING_MODEL: MODEL, DATA_DIR: dir }
  async function start (mode: Round['mode'], round: number): Promise<Round> {
    const t0 = performance.now()
    const server = await spawnServer(settings)
    const healthS = (performance.now() - t0) / 1000
    let refillS = 0
    try {
      for (;;) {
        const body = await fetch(`http://127.0.0.1:${server.port}/ready`).then(async (r) => await r.json() as { catchUp: { refill: { state: string } | null }, parts: Array<{ part: string, detail?: string }> }, () => null)
        const state = body?.catchUp.refill?.state
        if (state === 'failed') throw new Error('the refill failed')
        if (state === 'done' && refillS === 0) refillS = (performance.now() - t0) / 1000
        const detail = body?.parts.find((p) => p.part === 'searchIndex')?.detail ?? ''
        const m = /kNN graphs (\d+) of (\d+) ready \((\d+) loaded/.exec(detail)
        if (state === 'done' && m && Number(m[2]) > 0 && m[1] === m[2]) {
          const graphsS = (performance.now() - t0) / 1000
          const cpu = cpuSeconds(server.pid)
          const r: Round = { mode, round, healthS: round2(healthS), refillS: round2(refillS), graphsS: round2(graphsS), afterHealthS: round2(graphsS - healthS), afterRefillS: round2(graphsS - refillS), cpuS: cpu === null ? null : round2(cpu), loaded: Number(m[3]), graphs: Number(m[2]) }
          log(`${mode} round ${round}: /health ${r.healthS} s, refill ${r.refillS} s, graphs ready ${r.graphsS} s (${r.afterHealthS} s after /health; ${r.loaded} of ${r.graphs} loaded), CPU ${r.cpuS} s`)
          return r
        }
        if (performance.now() - t0 > 3_600_000) throw new Error(`graphs not ready after an hour: ${detail}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    } finally {
      await server.stop()
    }
  }
  // The first start has no graph files: it rebuilds them and writes them (rebuilt round 1). Then
  // kept 1, rebuilt 2 (the files set aside, put back after), kept 2, ...
  const rounds: Round[] = []
  const partial = () => writeFile(join(tmpdir(), 'ann-restart-rounds.json'), JSON.stringify(rounds, null, 1))
  for (let round = 1; round <= ROUNDS; round++) {
    if (round === 1) rounds.push(await start('rebuilt', round))
    else {
      await rename(graphDir, `${graphDir}.kept`)
      try {
        rounds.push(await start('rebuilt', round))
      } finally {
        await rm(graphDir, { recursive: true, force: true })
        await rename(`${graphDir}.kept`, graphDir)
      }
    }
    await partial()
    rounds.push(await start('kept', round))
    await partial()
  }

  // ---- the files on disk
  let graphBytes = 0
  let metaBytes = 0
  const files = await readdir(graphDir)
  for (const f of files) {
    const size = (await stat(join(graphDir, f))).size
    if (f.endsWith('.hnsw')) graphBytes += size
    else metaBytes += size
  }

  // ---- recall@20 of the loaded graphs against the exact scan, here
  const queries: Float32Array[] = []
  for (const line of records({ records: 3 * QUERIES, seed: 'ann-restart-queries' })) {
    const v = synthetic.record(line.kind, line.id, { ...line.record, id: line.id, version: 1 }).facets.profile?.vector
    if (v && queries.length < QUERIES) queries.push(v)
  }
  // The same documents as the server's, by the same refill code (stored vectors only), into an index
  // whose graphs are deferred: its searches are the exact scan until it loads the kept graphs.
  log('loading the model here (the stored vectors are read under its name)')
  const embedder = new TransformersEmbedder()
  embedder.use(await loadModel({ spec: modelSpec(MODEL), modelsDir: process.env.MODELS_DIR ?? 'models', allowRemote: false, allowMaven: false, threads: 1, log }))
  const again = await createStore<Database>({ dataDir: dir })
  const local = new EmbeddedIndex({ graphDir: join(dir, 'graphs-copy') })
  local.deferGraphs()
  const refillStarted = performance.now()
  await reindexAll({ db: again.db, embedder, cache: new VectorCache(again.db), target: local, embedMissing: false })
  const refillHereS = round2((performance.now() - refillStarted) / 1000)
  await again.close()
  await embedder.close()
  const columns = Object.entries(local.graphStatus()).filter(([, g]) => g.size >= 1000).map(([name]) => name)
  const knn = async (name: string): Promise<Hit[][]> => {
    const [kind, facet] = name.split('-') as [Kind, (typeof SEARCHED_FACETS)[Kind][number]]
    const out: Hit[][] = []
    for (const vector of queries) out.push((await local.retrieve({ kind, filter: {}, semantic: [{ facet, vector }], size: 20 })).lists[`knn:${facet}`] as Hit[])
    return out
  }
  const truth = new Map<string, Hit[][]>()
  for (const name of columns) truth.set(name, await knn(name)) // deferred: the exact scan
  await cp(graphDir, join(dir, 'graphs-copy'), { recursive: true })
  const loadStarted = performance.now()
  const restored = await local.restoreGraphs(log)
  const loadS = round2((performance.now() - loadStarted) / 1000)
  const recall: Record<string, number> = {}
  for (const name of columns) {
    if (!restored.loaded.includes(name)) { log(`${name} was not loaded: no recall`); continue }
    const before = local.graphStatus()[name]?.answered.graph ?? 0
    const got = await knn(name)
    if ((local.graphStatus()[name]?.answered.graph ?? 0) - before !== queries.length) throw new Error(`${name}: not every search went through the graph`)
    let found = 0
    let wanted = 0
    got.forEach((hits, i) => {
      const want = new Set((truth.get(name)?.[i] ?? []).map((h) => h.id))
      wanted += want.size
      found += hits.filter((h) => want.has(h.id)).length
    })
    recall[name] = Math.round(found / wanted * 10000) / 10000
  }
  await local.close()

  // ---- the table: per pair of rounds, kept against rebuilt
  const rows: Array<Record<string, string | number>> = []
  const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] as number : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2 }
  for (const mode of ['kept', 'rebuilt'] as const) {
    const rs = rounds.filter((r) => r.mode === mode)
    rows.push({
      start: mode === 'kept' ? 'graphs kept on disk (loaded)' : 'no graph files (rebuilt)',
      rounds: rs.length,
      'to /health s': round2(median(rs.map((r) => r.healthS))),
      'to refill done s': round2(median(rs.map((r) => r.refillS))),
      'to kNN through graphs s (min-max)': `${round2(median(rs.map((r) => r.graphsS)))} (${Math.min(...rs.map((r) => r.graphsS))}-${Math.max(...rs.map((r) => r.graphsS))})`,
      'after /health s': round2(median(rs.map((r) => r.afterHealthS))),
      'after refill s': round2(median(rs.map((r) => r.afterRefillS))),
      'server CPU s until then': round2(median(rs.map((r) => r.cpuS ?? NaN))),
      'graphs loaded': `${median(rs.map((r) => r.loaded))} of ${median(rs.map((r) => r.graphs))}`
    })
  }
  const pairs = rounds.filter((r) => r.mode === 'kept').map((k) => [k, rounds.find((x) => x.mode === 'rebuilt' && x.round === k.round) as Round] as const)
  const ratios = pairs.map(([k, r]) => round2(k.graphsS / r.graphsS))
  const afterHealth = pairs.map(([k, r]) => round2(k.afterHealthS / r.afterHealthS))
  const cpu = pairs.map(([k, r]) => round2((k.cpuS ?? NaN) / (r.cpuS ?? NaN)))
  const recalls = Object.values(recall)
  await report('ann-restart', rows, {
    corpus: SIZE,
    model: MODEL,
    vectors: 'synthesised (bench/lib/synthetic-vectors.ts), stored under the model name; the server loads the model (the refill waits for it)',
    method: 'server process per round (package.json start), /ready polled every 100 ms; rounds alternate kept, rebuilt; times from spawn',
    rounds,
    keptOverRebuilt: {
      fromSpawn: { perPair: ratios, median: round2(median(ratios)) },
      afterHealth: { perPair: afterHealth, median: round2(median(afterHealth)) },
      serverCpu: { perPair: cpu, median: round2(median(cpu)) }
    },
    recallAt20AfterLoad: { perColumn: recall, mean: round2(recalls.reduce((a, b) => a + b, 0) / Math.max(1, recalls.length) * 1000) / 1000, queries: QUERIES, refillSecondsHere: refillHereS, loadSecondsHere: loadS, loaded: restored.loaded.length, rebuilt: restored.rebuilding },
    disk: { files: files.length, graphMiB: round2(graphBytes / 2 ** 20), descriptionsMiB: round2(metaBytes / 2 ** 20) }
  })
  console.log(`kept / rebuilt, per pair of rounds: time from spawn to kNN through the graphs ${ratios.join(', ')} (median ${round2(median(ratios))}); ` +
    `from /health ${afterHealth.join(', ')} (median ${round2(median(afterHealth))}); server CPU until then ${cpu.join(', ')} (median ${round2(median(cpu))})`)
  console.log(`recall@20 after a load: ${Object.entries(recall).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  console.log(`graph files: ${round2(graphBytes / 2 ** 20)} MiB (+ ${round2(metaBytes / 2 ** 20)} MiB of descriptions), ${files.length} files; here the refill took ${refillHereS} s and loading the graphs ${loadS} s`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
