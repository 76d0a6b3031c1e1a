// The embedded index's exact kNN scan (src/search/embedded/vector-column.ts) against approximate HNSW
// indexes from npm, side by side in one process over the same 384-d vectors, in columns of 1,000, 4,000,
// 12,000 (the platform's people) and 40,000 (every record). The vectors are synthetic
// (bench/lib/synthetic-vectors.ts: clustered and normalised like sentence vectors), one profile vector
// per record of the fixture generator; the 300 queries are profile vectors of records left out of every
// column. For k = 20 and k = 150, with no filter and with filters admitting ~50%, ~10% and ~2% of the
// rows (by a hash of the id, independent of the vector), in alternating runs (exact, graph, routed,
// usearch, exact, ...): build time, memory, single-threaded queries per second, p50/p99 per query, and
// recall@20 and recall@k against the exact scan. The contenders:
// - exact: VectorColumn, the scan.
// - hnswlib-node (graph): src/search/embedded/ann-column.ts always searching its HNSW graph (hnswlib's
//   filter callback on its labels; the scan only when the graph finds fewer than k rows).
// - AnnColumn (routed): the same column as the service uses it: the graph only when about 1,000 rows
//   or more pass the filter (estimated from a sample), the scan otherwise.
// - usearch: its Node binding has no filtered search (`search(vector, k, threads)` takes no predicate),
//   so filtered runs over-fetch: k, then 4x as many, ..., until k rows pass. Not a dependency of the
//   project: install it elsewhere and point ANN_MODULES at that node_modules (skipped otherwise).
// With BENCH_SCIFACT=<model> (e.g. bge-small-en-v1.5) the same measures run on real embeddings too: the
// 5,183 SciFact abstracts and 300 of its claims, embedded once by the provisioned model (minutes; cached
// under .data/bench-cache). BENCH_SIZES= BENCH_SCIFACT=bge-small-en-v1.5 measures only those and keeps
// the synthetic rows of the previous result.
// Usage: npx tsx --expose-gc bench/ann-index.ts   (about 10 minutes on 2 busy cores)
//   env: BENCH_ROUNDS=2, BENCH_SIZES=1000,4000,12000,40000, BENCH_KS=20,150, BENCH_FILTERS=100,50,10,2
//   (percent admitted), ANN_EF=128 (search breadth), ANN_M=16, ANN_EF_ADD=128, BENCH_NAME=ann-index
//   (the result file), ANN_MODULES=/tmp/ann-scratch/usearch/node_modules
import { readFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { records } from '../fixtures/generate.ts'
import { hash32 } from '../fixtures/lib/prng.ts'
import { VectorColumn } from '../src/search/embedded/vector-column.ts'
import { ANN_DEFAULTS, AnnColumn } from '../src/search/embedded/ann-column.ts'
import type { Hit } from '../src/ports/retrieval.ts'
import { SyntheticVectors } from './lib/synthetic-vectors.ts'
import { scifactCorpus, loadQueries, type SciFactDoc } from './lib/scifact.ts'
import { modelSpec } from '../src/embedding/model-catalog.ts'
import { loadModel } from '../src/embedding/load-model.ts'
import { TransformersEmbedder } from '../src/embedding/transformers-embedder.ts'
import { report } from './lib/report.ts'

const DIMS = 384
const QUERIES = 300
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const SIZES = (process.env.BENCH_SIZES ?? '1000,4000,12000,40000').split(',').filter(Boolean).map(Number)
/** A model name: also measure on SciFact's 5,183 abstracts and 300 of its claims embedded by it (cached in .data/bench-cache). */
const SCIFACT = process.env.BENCH_SCIFACT ?? ''
const EF = Number(process.env.ANN_EF ?? 128)
const M = Number(process.env.ANN_M ?? 16)
const EF_ADD = Number(process.env.ANN_EF_ADD ?? 128)
const KS = (process.env.BENCH_KS ?? '20,150').split(',').map(Number)
/** Share of the rows each filter admits, in percent (100: no filter). */
const FILTERS: Array<[string, number]> = (process.env.BENCH_FILTERS ?? '100,50,10,2').split(',').map(Number).map((p) => [p === 100 ? 'none' : `${p}%`, p])

// ---- the libraries, through the few calls used here (their own typings are not needed to compile this file)

interface UsearchMatches { keys: BigUint64Array, distances: Float32Array }
interface UsearchIndex { add (keys: BigUint64Array, vectors: Float32Array, threads: number): void, search (v: Float32Array, k: number, threads: number): UsearchMatches, size (): number }
interface UsearchModule { Index: new (config: Record<string, unknown>) => UsearchIndex }

const require = createRequire(import.meta.url)
const modulePaths = [process.cwd(), ...(process.env.ANN_MODULES ?? '').split(':').filter(Boolean)]
function load<T> (name: string): { mod: T, version: string } | string {
  try {
    const main = require.resolve(name, { paths: modulePaths })
    const root = main.slice(0, main.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}/`.length)
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }
    return { mod: require(main) as T, version: pkg.version }
  } catch (err) {
    return `not loaded: ${(err as Error).message.split('\n')[0]}`
  }
}

/** What every contender answers: the k best ids (with scores) that `accept` admits, best first. */
interface Contender { name: string, build (ids: string[], vectors: Float32Array[]): void, search (q: Float32Array, k: number, accept: ((id: string) => boolean) | null): Hit[] }

function exact (): Contender {
  let col = new VectorColumn(DIMS)
  const all = () => true
  return {
    name: 'exact',
    build (ids, vectors) { col = new VectorColumn(DIMS); ids.forEach((id, i) => col.set(id, vectors[i])) },
    search: (q, k, accept) => col.search(q, k, accept ?? all)
  }
}

/**
 * hnswlib-node through the embedded index's AnnColumn: `graph` always searches the graph (with
 * hnswlib's filter callback), `routed` is the column as the service uses it (the exact scan below
 * about 1,000 admitted rows). One column serves both: only its routing threshold changes.
 */
function hnswlib (version: string): Contender[] {
  let col: AnnColumn
  const all = () => true
  const on = (minAdmitted: number) => (q: Float32Array, k: number, accept: ((id: string) => boolean) | null) => {
    col.options.minAdmitted = minAdmitted
    return col.search(q, k, accept ?? all)
  }
  return [
    { name: `hnswlib-node ${version} (graph)`, build (ids, vectors) { col = new AnnColumn(DIMS, { m: M, efConstruction: EF_ADD, efSearch: EF }); ids.forEach((id, i) => col.set(id, vectors[i])) }, search: on(0) },
    { name: 'AnnColumn (routed)', build () {}, search: on(ANN_DEFAULTS.minAdmitted) }
  ]
}

function usearch (lib: UsearchModule, version: string): Contender {
  let index: UsearchIndex
  let ids: string[] = []
  return {
    name: `usearch ${version}`,
    build (names, vectors) {
      ids = names
      index = new lib.Index({ dimensions: DIMS, metric: 'ip', quantization: 'f32', connectivity: M, expansion_add: EF_ADD, expansion_search: EF, multi: false })
      vectors.forEach((v, i) => index.add(BigUint64Array.of(BigInt(i)), v, 1))
    },
    search (q, k, accept) {
      // No predicate in its binding: fetch k, 4k, 16k, ... until k of them pass the filter (or all were fetched).
      for (let fetch = k; ; fetch = Math.min(fetch * 4, ids.length)) {
        const r = index.search(q, fetch, 1)
        const hits: Hit[] = []
        for (let i = 0; i < r.keys.length && hits.length < k; i++) {
          const id = ids[Number(r.keys[i])] as string
          if (!accept || accept(id)) hits.push({ id, score: 1 - (r.distances[i] as number) })
        }
        if (hits.length >= k || fetch >= ids.length || r.keys.length < fetch) return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      }
    }
  }
}

// ---- the vectors

const started = performance.now()
const synthetic = new SyntheticVectors()
const maxSize = Math.max(0, ...SIZES)
const lines = maxSize + 6000 // enough left over for the queries (and 12,000 people among the first ones)
const everyone: Array<{ id: string, kind: string, v: Float32Array }> = []
const queries: Float32Array[] = []
const every = Math.floor(lines / (QUERIES + 1))
let n = 0
for (const line of records({ records: lines, seed: 'ann-index-bench' })) {
  const v = synthetic.record(line.kind, line.id, { ...line.record, id: line.id, version: 1 }).facets.profile?.vector
  if (!v) continue
  if (n++ % every === every - 1 && queries.length < QUERIES) queries.push(v) // held out: in no column
  else everyone.push({ id: line.id, kind: line.kind, v })
}
if (queries.length < QUERIES) throw new Error(`only ${queries.length} queries`)
/** A column of `size`: people first (the largest kind), then records of every kind. */
function column (size: number): { ids: string[], vectors: Float32Array[] } {
  const people = everyone.filter((r) => r.kind === 'people')
  const rows = size <= people.length ? people.slice(0, size) : everyone.slice(0, size)
  if (rows.length < size) throw new Error(`only ${rows.length} vectors for a column of ${size}`)
  return { ids: rows.map((r) => r.id), vectors: rows.map((r) => r.v) }
}
console.log(`vectors: ${everyone.length} + ${QUERIES} held-out queries in ${((performance.now() - started) / 1000).toFixed(1)} s`)

// ---- measuring

const gc = (globalThis as { gc?: () => void }).gc
function memory (): { rss: number, heap: number, buffers: number } {
  gc?.()
  const m = process.memoryUsage()
  return { rss: m.rss, heap: m.heapUsed, buffers: m.arrayBuffers }
}
const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1))
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number

function recall (got: Hit[][], truth: Hit[][], at: number): number {
  let found = 0
  let wanted = 0
  got.forEach((hits, i) => {
    const expected = new Set((truth[i] as Hit[]).slice(0, at).map((h) => h.id))
    wanted += expected.size
    for (const h of hits.slice(0, at)) if (expected.has(h.id)) found++
  })
  return wanted === 0 ? 1 : found / wanted
}

interface Run { qps: number, p50: number, p99: number, hits: Hit[][] }
function run (c: Contender, qs: Float32Array[], k: number, accept: ((id: string) => boolean) | null): Run {
  const times: number[] = []
  const hits: Hit[][] = []
  const t0 = performance.now()
  for (const q of qs) {
    const t = performance.now()
    hits.push(c.search(q, k, accept))
    times.push(performance.now() - t)
  }
  const total = performance.now() - t0
  times.sort((a, b) => a - b)
  return { qps: qs.length / (total / 1000), p50: quantile(times, 0.5), p99: quantile(times, 0.99), hits }
}

const contenders: Contender[] = [exact()]
const skipped: Record<string, string> = {}
const h = load<unknown>('hnswlib-node') // a dependency of the project: AnnColumn imports it
if (typeof h === 'string') throw new Error(h); else contenders.push(...hnswlib(h.version))
const u = load<UsearchModule>('usearch')
if (typeof u === 'string') skipped.usearch = u; else contenders.push(usearch(u.mod, u.version))
for (const [name, why] of Object.entries(skipped)) console.log(`${name}: ${why}`)

const rows: Array<Record<string, string | number>> = []
const builds: Array<Record<string, string | number>> = []
/** Builds every contender over one column and measures them on `qs`, alternating. */
function measure (source: string, ids: string[], vectors: Float32Array[], qs: Float32Array[]): void {
  const size = ids.length
  for (const c of contenders) {
    const before = memory()
    const t = performance.now()
    c.build(ids, vectors)
    const seconds = (performance.now() - t) / 1000
    const after = memory()
    const build = { vectors: source, size, index: c.name, buildSeconds: Number(seconds.toFixed(2)), rssMiB: mib(after.rss - before.rss), heapMiB: mib(after.heap - before.heap), arrayBuffersMiB: mib(after.buffers - before.buffers) }
    builds.push(build)
    console.log(JSON.stringify(build))
  }
  for (const k of KS) {
    for (const [filter, percent] of FILTERS) {
      const accept = percent >= 100 ? null : (id: string) => hash32(`filter:${id}`) % 1000 < percent * 10
      const runs = new Map<string, Run[]>(contenders.map((c) => [c.name, []]))
      for (let r = 0; r < ROUNDS; r++) for (const c of contenders) runs.get(c.name)?.push(run(c, qs, k, accept))
      const truth = (runs.get('exact') as Run[])[0]?.hits as Hit[][]
      const exactQps = median((runs.get('exact') as Run[]).map((x) => x.qps))
      for (const c of contenders) {
        const rs = runs.get(c.name) as Run[]
        const qps = rs.map((x) => x.qps)
        const row = {
          vectors: source,
          size,
          k,
          filter,
          index: c.name,
          qps: Math.round(median(qps)),
          qpsMin: Math.round(Math.min(...qps)),
          qpsMax: Math.round(Math.max(...qps)),
          p50ms: Number(median(rs.map((x) => x.p50)).toFixed(3)),
          p99ms: Number(median(rs.map((x) => x.p99)).toFixed(3)),
          'recall@20': Number(recall((rs[0] as Run).hits, truth, 20).toFixed(4)),
          'recall@k': Number(recall((rs[0] as Run).hits, truth, k).toFixed(4)),
          speedup: Number((median(qps) / exactQps).toFixed(2))
        }
        rows.push(row)
        console.log(JSON.stringify(row))
      }
    }
  }
}

for (const size of SIZES) {
  const { ids, vectors } = column(size)
  measure('synthetic', ids, vectors, queries)
}
if (SCIFACT) {
  const real = await scifactVectors(SCIFACT)
  measure(`scifact ${SCIFACT}`, real.ids, real.vectors, real.queries)
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) >> 1] as number : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2
}

// A run over some of the vector sets keeps the previous result's rows of the others.
const name = process.env.BENCH_NAME ?? 'ann-index'
const measured = new Set(rows.map((r) => r.vectors))
const previous = await readFile(new URL(`results/${name}.json`, import.meta.url), 'utf8').then((t) => JSON.parse(t) as { rows: typeof rows, builds: typeof builds }).catch(() => ({ rows: [], builds: [] }))
const kept = (r: Record<string, string | number>) => !measured.has(r.vectors ?? 'synthetic')
await report(name, [...previous.rows.filter(kept), ...rows], {
  vectors: 'synthetic: bench/lib/synthetic-vectors.ts, profile facet of fixture records, queries 300 held-out records; scifact <model>: the 5,183 SciFact abstracts (title and text) and 300 of its train claims, embedded by the model',
  dims: DIMS,
  queries: QUERIES,
  rounds: ROUNDS,
  params: { M, efConstruction: EF_ADD, efSearch: `max(${EF}, k)` },
  filters: `hash of the id: ${FILTERS.map(([name]) => name).join(', ')} of the rows admitted`,
  routing: `AnnColumn: the graph from ${ANN_DEFAULTS.minAdmitted} admitted rows (estimated from ${ANN_DEFAULTS.sample} sampled)`,
  threads: 1,
  builds: [...previous.builds.filter(kept), ...builds],
  skipped,
  minutes: Number(((performance.now() - started) / 60000).toFixed(1))
})

/** SciFact's abstracts and 300 train claims embedded by `model` (the service's embedder, batches of 16), cached. */
async function scifactVectors (model: string): Promise<{ ids: string[], vectors: Float32Array[], queries: Float32Array[] }> {
  const docs: SciFactDoc[] = []
  for await (const d of scifactCorpus()) docs.push(d)
  const claims = (await loadQueries()).slice(0, QUERIES)
  const cache = join('.data', 'bench-cache', `ann-index-scifact-${model}.f32`)
  const count = docs.length + claims.length
  let flat = await readFile(cache).then((b) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)).catch(() => null)
  if (flat?.length !== count * DIMS) {
    const spec = modelSpec(model)
    const embedder = new TransformersEmbedder()
    embedder.use(await loadModel({ spec, modelsDir: process.env.MODELS_DIR ?? 'models', allowRemote: false, allowMaven: false, log: console.log }))
    const t = performance.now()
    const embed = async (texts: string[], role: 'passage' | 'query') => {
      const out: Float32Array[] = []
      for (let i = 0; i < texts.length; i += 16) out.push(...await embedder.embed(texts.slice(i, i + 16), role))
      return out
    }
    const all = [...await embed(docs.map((d) => `${d.title} ${d.text}`), 'passage'), ...await embed(claims.map((c) => c.text), 'query')]
    console.log(`scifact: ${count} texts embedded by ${model} in ${((performance.now() - t) / 1000).toFixed(0)} s`)
    flat = new Float32Array(count * DIMS)
    all.forEach((v, i) => (flat as Float32Array).set(v, i * DIMS))
    await mkdir(dirname(cache), { recursive: true })
    await writeFile(cache, flat)
  }
  const at = (i: number) => (flat as Float32Array).slice(i * DIMS, (i + 1) * DIMS)
  return { ids: docs.map((d) => d._id), vectors: docs.map((_, i) => at(i)), queries: claims.map((_, i) => at(docs.length + i)) }
}
