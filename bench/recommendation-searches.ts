// Where the bare retrievals of a recommendation spend Elasticsearch's time: the multi-searches of a
// sample of people's recommendations, as the service sends them and with one part changed at a
// time, replayed side by side (alternated rounds) on the latency corpus of bench/match-latency.ts
// (build it first: BENCH_BACKEND=elasticsearch npm run bench:latency). A variant rewrites the
// retrievals before they reach the index, so its served top 10 comes from the service's own
// re-ranking and is compared with the service's: a faster variant's cost in results shows.
//
//   npx tsx bench/recommendation-searches.ts   (env: BENCH_PEOPLE=150, BENCH_ROUNDS=3, TEST_DATABASE_URL)
import type { Kysely } from 'kysely'
import { createStore } from '../src/store/create-store.ts'
import type { Database } from '../src/store/schema.ts'
import type { RetrievalQuery } from '../src/ports/retrieval.ts'
import type { SearchIndex } from '../src/ports/search-index.ts'
import { ElasticsearchIndex } from '../src/search/elasticsearch/elasticsearch-index.ts'
import { RecordRepository } from '../src/records/record-repository.ts'
import { VectorCache } from '../src/records/vector-cache.ts'
import { Recommender, type OpportunityKind } from '../src/match/recommender.ts'
import { DEFAULT_RECOMMENDATION_WEIGHTS } from '../src/match/features.ts'
import { Rng } from '../fixtures/lib/prng.ts'
import { runPass } from './lib/load-runner.ts'
import { cpuMeter, pidsMatching } from './lib/process-cpu.ts'
import { POSTGRES } from './lib/database.ts'
import { report } from './lib/report.ts'

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 150)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const MODEL = process.env.EMBEDDING_MODEL ?? 'bge-small-en-v1.5'
const log = (m: string) => console.error(`[recommendation-searches] ${m}`)

const url = new URL(POSTGRES)
url.pathname = '/engine_bench_latency'
const store = await createStore<Database>({ databaseUrl: url.toString(), dataDir: '.data/unused' })
const db: Kysely<Database> = store.db
const es = new ElasticsearchIndex({ url: process.env.TEST_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200', prefix: 'bench-latency-', requestTimeoutMs: 120_000 })

/** A variant rewrites one retrieval of a person's recommendation (null: leave it out). */
type Variant = (q: RetrievalQuery, person: Record<string, unknown>) => RetrievalQuery | null
const variants: Record<string, Variant> = {
  'as sent': (q) => q,
  // Before: the filter's exclusions inside the BM25 query rather than in post_filter (elasticsearch-query.ts esLexicalTop).
  'exclusions in the BM25 query (before)': (q) => q,
  'kNN only': (q) => q.semantic?.length ? { ...q, lexical: undefined } : null,
  'BM25 only': (q) => q.lexical ? { ...q, semantic: [] } : null,
  // The lexical list over the short fields only (title and stated needs), not the long description.
  'BM25 without the long text': (q) => q.lexical ? { ...q, lexical: { ...q.lexical, fields: Object.fromEntries(Object.entries(q.lexical.fields).filter(([f]) => f !== 'text')) } } : q
}

type Body = Record<string, any>
/** A lexical search body as sent before esLexicalTop: post_filter's clauses back in the query's filter. */
function exclusionsInQuery (b: Body): Body {
  if (!b.post_filter || b.query?.knn) return b
  const { post_filter: post, ...rest } = b
  return { ...rest, query: { bool: { ...b.query.bool, filter: [...b.query.bool.filter, ...post.bool.filter] } } }
}

const people = (await db.selectFrom('records').select('id').where('kind', '=', 'people').orderBy('id').execute()).map((r) => r.id)
const sample = Rng.of('recommendation-searches').sample(people, PEOPLE)
let variant: Variant = variants['as sent'] as Variant
let current: RetrievalQuery[] = []
let person: Record<string, unknown> = {}
const spy = new Proxy(es, {
  get (target, prop) {
    if (prop === 'retrieveMany') {
      return async (qs: readonly RetrievalQuery[]) => {
        const sent = qs.map((q) => variant(q, person) ?? { ...q, lexical: undefined, semantic: [] })
        current.push(...sent.filter((q) => q.lexical || q.semantic?.length))
        return target.retrieveMany(sent)
      }
    }
    const v = (target as any)[prop]
    return typeof v === 'function' ? v.bind(target) : v
  }
}) as SearchIndex
const repo = new RecordRepository(db)
const recommender = new Recommender(db, spy, new VectorCache(db, { memoryBytes: 512 * 2 ** 20 }), repo, DEFAULT_RECOMMENDATION_WEIGHTS)
const bodies = new Map<string, unknown[][]>()
const served = new Map<string, string[][]>()
for (const [name, v] of Object.entries(variants)) {
  variant = v
  const requests: unknown[][] = []
  const tops: string[][] = []
  for (const id of sample) {
    current = []
    person = (await repo.get('people', id))?.body ?? {}
    const r = await recommender.recommend({ personId: id, person, kinds: ['proposals', 'communities', 'content'] as OpportunityKind[], feedback: { dismissed: new Set(), shown: new Set(), engaged: [] }, excludeShown: false, model: MODEL, now: new Date(), depth: 10 })
    requests.push(current.flatMap((q) => es.retrievalRequests(q)).map((body) => name.includes('(before)') ? exclusionsInQuery(body as Body) : body))
    tops.push(r.results.map((x) => `${x.kind}/${x.id}`))
  }
  bodies.set(name, requests)
  served.set(name, tops)
}
log(`captured ${sample.length} people's retrievals for ${bodies.size} variants`)

/** Share of the service's served top 10 that the variant also serves, mean over people. */
const inCommon = (name: string): number => {
  const base = served.get('as sent') ?? []
  const shares = (served.get(name) ?? []).map((top, i) => { const b = base[i] ?? []; return b.length === 0 ? 1 : b.filter((id) => top.includes(id)).length / b.length })
  return Math.round(shares.reduce((s, x) => s + x, 0) / shares.length * 1000) / 1000
}

const esPids = () => pidsMatching('org.elasticsearch')
const rows: Array<Record<string, string | number>> = []
const results = new Map<string, Array<{ rps: number, p50: number, cpu: number }>>()
for (const c of [1, 8]) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(variants)) {
      const meter = cpuMeter(esPids)
      const r = await runPass(bodies.get(name) ?? [], c, async (s) => { await es.multiSearch(s) })
      const key = `${c}\u0000${name}`
      results.set(key, [...(results.get(key) ?? []), { rps: r.throughput, p50: r.p50, cpu: (meter() ?? NaN) * 1000 / r.requests }])
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length
  const baseRps = mean((results.get(`${c}\u0000as sent`) ?? []).map((r) => r.rps))
  for (const name of Object.keys(variants)) {
    const runs = results.get(`${c}\u0000${name}`) ?? []
    const rps = mean(runs.map((r) => r.rps))
    rows.push({
      concurrency: c,
      variant: name,
      'req/s': Math.round(rps * 10) / 10,
      '× as sent': Math.round(rps / baseRps * 100) / 100,
      'req/s each round': runs.map((r) => r.rps).join(' / '),
      'p50 ms': Math.round(mean(runs.map((r) => r.p50)) * 10) / 10,
      'ES CPU ms/req': Math.round(mean(runs.map((r) => r.cpu)) * 10) / 10,
      'served top 10 in common': name.endsWith('only') ? '' : inCommon(name)
    })
  }
}
await report('recommendation-searches', rows, { people: PEOPLE, rounds: ROUNDS, model: MODEL, corpus: 'bench/match-latency.ts Elasticsearch corpus (synthesised vectors)' })
await es.close()
await store.close()
