// Italian, English and across the two: partner matching and its reasons on a bilingual check set.
//
//   npm run bench:bilingual           (BENCH_INDEX=embedded|elasticsearch|both, default both;
//                                      BENCH_MODEL, default the service's default model;
//                                      BENCH_HALF=tune|held-out|all, default all, reported per half)
//
// The set (bench/bilingual/topics.json, written apart from the termbase: see its "about") has topics,
// each with an Italian and an English query, an Italian paraphrase and an English translation as
// targets, two near-misses from the same field, and unrelated distractors. One organisation per
// phrase (its only competency) is imported through POST /v1/bulk and indexed by the pipeline; each
// query goes to POST /v1/match/partners (the query as text and as the sought competency,
// explain: true), as the portal sends it. Per language pair (query → target): the right target's
// rank among all organisations (first, top 3), whether a reason is stated for it, and the reasons
// stated for organisations of other topics, near-misses and distractors (strong / partial), with
// precision. Topics are split in two halves by a hash of their key: "tune" is what thresholds and
// weights may be tuned on; "held-out" is what is reported. A nonsense query must find nothing.
// Writes bench/results/bilingual.json.
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@elastic/elasticsearch'
import { loadConfig } from '../config/load.ts'
import { buildServer } from '../src/build.ts'
import { half } from '../src/match/ranker/ir-metrics.ts'
import { defaultConcepts } from '../src/concepts/concepts.ts'
import { phrasesOf } from '../src/domain/facets.ts'
import { DEMO_RECORDS, records as demoRecords } from '../fixtures/generate.ts'

interface Topic { key: string, field: string, queryIt: string, queryEn: string, targetIt: string, targetEn: string, nearMisses: string[] }
const set = JSON.parse(await readFile(new URL('./bilingual/topics.json', import.meta.url), 'utf8')) as { topics: Topic[], distractors: string[] }
const ES_URL = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const PREFIX = 'bench-bilingual-'
const backends = (process.env.BENCH_INDEX ?? 'both') === 'both' ? ['embedded', 'elasticsearch'] : [process.env.BENCH_INDEX as string]
const NONSENSE = ['xqzvtrwplk', 'blorft zanquix']

interface Org { id: string, phrase: string, topic: string | null, role: 'targetIt' | 'targetEn' | 'nearMiss' | 'distractor' }
const orgs: Org[] = []
for (const t of set.topics) {
  orgs.push({ id: `t-${t.key}-it`, phrase: t.targetIt, topic: t.key, role: 'targetIt' })
  orgs.push({ id: `t-${t.key}-en`, phrase: t.targetEn, topic: t.key, role: 'targetEn' })
  t.nearMisses.forEach((p, i) => orgs.push({ id: `n-${t.key}-${i}`, phrase: p, topic: null, role: 'nearMiss' }))
}
set.distractors.forEach((p, i) => orgs.push({ id: `d-${i}`, phrase: p, topic: null, role: 'distractor' }))

type Pair = 'it→it' | 'it→en' | 'en→it' | 'en→en'
const PAIRS: Pair[] = ['it→it', 'it→en', 'en→it', 'en→en']
interface PairStats { queries: number, first: number, top3: number, reasonForTarget: number, wrongReasons: number, wrongStrong: number, wrongPartial: number, rightReasons: number }
const empty = (): PairStats => ({ queries: 0, first: 0, top3: 0, reasonForTarget: 0, wrongReasons: 0, wrongStrong: 0, wrongPartial: 0, rightReasons: 0 })

async function run (backend: string): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-bilingual-'))
  if (backend === 'elasticsearch') {
    const es = new Client({ node: ES_URL })
    await es.indices.delete({ index: `${PREFIX}*`, expand_wildcards: 'all' }).catch(() => {})
    await es.close()
  }
  const app = await buildServer({
    config: loadConfig({
      DATA_DIR: dataDir,
      MODELS_DIR: process.env.MODELS_DIR ?? 'models',
      ...(process.env.BENCH_MODEL ? { EMBEDDING_MODEL: process.env.BENCH_MODEL } : {}),
      EMBEDDING_ALLOW_REMOTE: 'false',
      EMBEDDING_ALLOW_MAVEN: 'false',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      FREE_TEXT_CONCURRENCY: '100000',
      ...(process.env.RANKING_WEIGHTS ? { RANKING_WEIGHTS: process.env.RANKING_WEIGHTS } : {}),
      ...(backend === 'elasticsearch' ? { ELASTICSEARCH_URL: ES_URL, INDEX_PREFIX: PREFIX } : {})
    })
  })
  try {
    await app.parts.modelReady
    const model = app.parts.embedder.available ? app.parts.embedder.model : null
    const payload = orgs.map((o, i) => JSON.stringify({ op: 'upsert', kind: 'organizations', id: o.id, record: { name: `Organizzazione ${i + 1}`, kind: 'company', country: 'IT', competencies: [o.phrase] } })).join('\n') + '\n'
    const imported = await app.inject({ method: 'POST', url: '/v1/bulk', payload, headers: { 'content-type': 'application/x-ndjson' } })
    if (imported.statusCode !== 200 || imported.json().failed > 0) throw new Error(`bulk import: ${imported.statusCode} ${imported.body.slice(0, 300)}`)
    for (;;) {
      const status = (await app.inject({ method: 'GET', url: '/v1/status' })).json()
      const k = status.kinds.find((x: { kind: string }) => x.kind === 'organizations')
      if (k.inSync && k.documents === orgs.length) break
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
    const byId = new Map(orgs.map((o) => [o.id, o]))
    const stats: Record<'tune' | 'held-out', Record<Pair, PairStats>> = { tune: Object.fromEntries(PAIRS.map((p) => [p, empty()])) as Record<Pair, PairStats>, 'held-out': Object.fromEntries(PAIRS.map((p) => [p, empty()])) as Record<Pair, PairStats> }
    const wrongExamples: Array<{ half: string, query: string, matched: string, strength: string, evidence?: string }> = []
    const misses: Array<{ half: string, stated: boolean, first: string[], pair: Pair, query: string, target: string, rank: number | null }> = []
    for (const t of set.topics) {
      const h = half(t.key)
      for (const [lang, query] of [['it', t.queryIt], ['en', t.queryEn]] as const) {
        const res = await app.inject({ method: 'POST', url: '/v1/match/partners', payload: { text: query, competencies: [query], explain: true, limit: 100 } })
        if (res.statusCode !== 200) throw new Error(`match "${query}": ${res.statusCode} ${res.body.slice(0, 300)}`)
        const results = res.json().results as Array<{ id: string, reasons: { matched: Array<{ matched: string, strength: string, evidence?: string }> } }>
        for (const target of ['it', 'en'] as const) {
          const pair = `${lang}→${target}` as Pair
          const s = stats[h][pair]
          s.queries++
          const id = `t-${t.key}-${target}`
          const rank = results.findIndex((r) => r.id === id)
          if (rank === 0) s.first++
          if (rank >= 0 && rank < 3) s.top3++
          else misses.push({ half: h, pair, query, target: (byId.get(id) as Org).phrase, rank: rank >= 0 ? rank + 1 : null, stated: (results[rank]?.reasons.matched.length ?? 0) > 0, first: results.slice(0, 3).map((x) => (byId.get(x.id) as Org).phrase) })
          const r = results[rank]
          if (r && r.reasons.matched.length > 0) { s.reasonForTarget++; s.rightReasons += r.reasons.matched.length }
        }
        // Reasons for organisations of no topic or of another topic, counted once per query (in the pair of the query's language → the phrase's).
        for (const r of results) {
          const o = byId.get(r.id) as Org
          if (o.topic === t.key) continue
          for (const m of r.reasons.matched) {
            const phraseLang = o.role === 'targetEn' ? 'en' : o.role === 'targetIt' ? 'it' : null
            const pair = phraseLang ? `${lang}→${phraseLang}` as Pair : (`${lang}→${lang}` as Pair)
            const s = stats[h][pair]
            s.wrongReasons++
            if (m.strength === 'strong') s.wrongStrong++
            else s.wrongPartial++
            if (wrongExamples.length < 400) wrongExamples.push({ half: h, query, matched: m.matched, strength: m.strength, ...(m.evidence ? { evidence: m.evidence } : {}) })
          }
        }
      }
    }
    const nonsense: Record<string, number> = {}
    for (const q of NONSENSE) {
      const res = await app.inject({ method: 'POST', url: '/v1/match/partners', payload: { text: q, competencies: [q], limit: 50 } })
      nonsense[q] = res.json().results.length
    }
    const summarise = (byPair: Record<Pair, PairStats>) => Object.fromEntries(PAIRS.map((p) => {
      const s = byPair[p]
      return [p, { ...s, precision: s.rightReasons + s.wrongReasons > 0 ? Math.round(s.rightReasons / (s.rightReasons + s.wrongReasons) * 1000) / 1000 : null }]
    }))
    return { backend, model, organisations: orgs.length, tune: summarise(stats.tune), heldOut: summarise(stats['held-out']), nonsense, misses, wrongExamples }
  } finally {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** The share of phrases that link to a concept, and to one at their heart (coverage ≥ 0.5). */
function coverage (phrases: readonly string[]) {
  const concepts = defaultConcepts()
  let linked = 0
  let central = 0
  for (const p of phrases) {
    const l = concepts.link(p).concepts
    if (l.length > 0) linked++
    if (l.some((c) => c.coverage >= 0.5)) central++
  }
  const r = (x: number) => Math.round(x / Math.max(1, phrases.length) * 1000) / 1000
  return { phrases: phrases.length, linked: r(linked), central: r(central) }
}
const evalPhrases = orgs.map((o) => o.phrase).concat(set.topics.flatMap((t) => [t.queryIt, t.queryEn]))
const demoPhrases = new Set<string>()
for (const line of demoRecords({ records: DEMO_RECORDS, sharedDataDir: null, log: () => {} })) {
  const p = phrasesOf(line.kind, line.record as Record<string, unknown>)
  for (const x of [...p.competencies, ...p.needs]) demoPhrases.add(x)
}
const coverageReport = { evaluationSet: coverage(evalPhrases), demo: coverage([...demoPhrases]) }
console.log(`coverage: evaluation set ${JSON.stringify(coverageReport.evaluationSet)}, demo (seed) distinct phrases ${JSON.stringify(coverageReport.demo)}`)

const results = []
for (const b of backends) {
  const r = await run(b)
  results.push(r)
  for (const part of ['tune', 'heldOut'] as const) {
    console.log(`\n${b} (${r.model}), ${part}:`)
    console.log('pair    queries  first  top3  reason-for-target  wrong-reasons (strong/partial)  precision')
    for (const [p, s] of Object.entries(r[part] as Record<string, PairStats & { precision: number | null }>)) {
      console.log(`${p.padEnd(7)} ${String(s.queries).padStart(7)} ${String(s.first).padStart(6)} ${String(s.top3).padStart(5)} ${String(s.reasonForTarget).padStart(18)} ${String(s.wrongReasons).padStart(14)} (${s.wrongStrong}/${s.wrongPartial})${' '.repeat(14)}${s.precision ?? '-'}`)
    }
  }
  console.log(`nonsense queries' results: ${JSON.stringify(r.nonsense)}`)
}
await mkdir(new URL('./results/', import.meta.url), { recursive: true })
await writeFile(new URL(`./results/bilingual${process.env.BENCH_MODEL ? '-' + process.env.BENCH_MODEL : ''}.json`, import.meta.url), JSON.stringify({ date: new Date().toISOString(), set: 'bench/bilingual/topics.json', topics: set.topics.length, coverage: coverageReport, runs: results }, null, 2) + '\n')
