// The same filtered kNN searches sent with the query vector as 384 decimals or as base64 of its
// big-endian float32 bytes (what src/search/elasticsearch-query.ts sends), in alternating rounds in
// one process: Elasticsearch's throughput at 8 in flight, and the cost of building and serialising
// one search here. Runs on the organisations of the latency corpus (build it first with
// `BENCH_BACKEND=elasticsearch npm run bench:latency`).
// Usage: npx tsx bench/knn-vector-format.ts   (env: BENCH_ROUNDS=10, TEST_ELASTICSEARCH_URL)
import { ElasticsearchIndex } from '../src/search/elasticsearch/elasticsearch-index.ts'
import { Rng } from '../fixtures/lib/prng.ts'
import { report } from './lib/report.ts'

const ES = process.env.TEST_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const QUERIES = 400
const CONCURRENCY = 8
const es = new ElasticsearchIndex({ url: ES, prefix: 'bench-latency-' })
if ((await es.count('organizations').catch(() => 0)) === 0) throw new Error('bench-latency-organizations is missing or empty: run BENCH_BACKEND=elasticsearch npm run bench:latency first')

const rng = Rng.of('knn-vector-format')
const vectors = Array.from({ length: QUERIES }, () => {
  const v = Float32Array.from({ length: 384 }, () => rng.next() - 0.5)
  const norm = Math.hypot(...v)
  return v.map((x) => x / norm)
})
const filter = { noneOf: { id: ['org-none'], visibility: ['private'] } }
type Format = 'decimals' | 'base64'
/** The multi-search a ranking retrieval sends (header and body), with its query vector in `format`. */
function search (v: Float32Array, format: Format): unknown[] {
  const searches = es.retrievalRequests({ kind: 'organizations', filter, semantic: [{ facet: 'competencies', vector: v }], size: 50 })
  if (format === 'decimals') ((searches[1] as { query: { knn: { query_vector: unknown } } }).query.knn).query_vector = Array.from(v)
  return searches
}

async function round (format: Format): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < QUERIES; i = next++) {
      const res = await es.multiSearch(search(vectors[i] as Float32Array, format))
      if (res.responses.some((r) => 'error' in r)) throw new Error(`${format} search failed`)
    }
  }))
  return QUERIES / ((performance.now() - started) / 1000)
}

function buildCost (format: Format): number {
  const n = 20_000
  const started = performance.now()
  for (let i = 0; i < n; i++) JSON.stringify(search(vectors[i % QUERIES] as Float32Array, format))
  return (performance.now() - started) / n * 1000
}

await round('decimals')
await round('base64')
const rates: Record<Format, number[]> = { decimals: [], base64: [] }
for (let r = 0; r < ROUNDS; r++) for (const f of (r % 2 ? ['base64', 'decimals'] : ['decimals', 'base64']) as Format[]) rates[f].push(await round(f))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number
const rows = (['decimals', 'base64'] as Format[]).map((f) => ({
  'query vector': f,
  'median req/s': Math.round(median(rates[f])),
  'rounds req/s': rates[f].map(Math.round).join(' '),
  'build + JSON µs': Number(buildCost(f).toFixed(1)),
  'search bytes': JSON.stringify(search(vectors[0] as Float32Array, f)).length
}))
await report('knn-vector-format', rows, { concurrency: CONCURRENCY, queries: QUERIES, rounds: ROUNDS, index: 'bench-latency-organizations', ratio: Number((median(rates.base64) / median(rates.decimals)).toFixed(3)) })
await es.close()
