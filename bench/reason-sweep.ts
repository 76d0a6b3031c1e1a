// A sweep of the reasons the service states on the demo data: partner matches for organisation
// profiles in the three modes, free-text matches, recommendations and proposal candidates, through
// the HTTP API of a running service (BASE_URL, default http://127.0.0.1:3000). Every stated phrase
// pair is collected with its language pair (the linker's guess, src/concepts/); a sample of 50
// Italian-Italian and 50 cross-language pairs (fixed seed) is printed for a person to judge, and
// written to bench/results/reason-sweep.json.
//
//   npm start   (in another shell, until /v1/status says inSync)
//   npx tsx bench/reason-sweep.ts
import { writeFile } from 'node:fs/promises'
import { defaultConcepts } from '../src/concepts/concepts.ts'
import { Rng } from '../fixtures/lib/prng.ts'

const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000'
const concepts = defaultConcepts()
interface Pair { route: string, sought: string, matched: string, strength: string, evidence?: string, langs: string }
const pairs: Pair[] = []
let requests = 0

async function call (path: string, body?: unknown): Promise<any> {
  requests++
  const res = await fetch(BASE + path, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {})
  return res.ok ? res.json() : { results: [] }
}
const lang = (p: string) => concepts.link(p).lang ?? '?'
function collect (route: string, list: Array<{ sought?: string, interest?: string, matched: string, strength: string, evidence?: string }>): void {
  for (const m of list) {
    const sought = m.sought ?? m.interest ?? ''
    pairs.push({ route, sought, matched: m.matched, strength: m.strength, ...(m.evidence ? { evidence: m.evidence } : {}), langs: [lang(sought), lang(m.matched)].sort().join('-') })
  }
}

const orgs = (await call('/v1/search?kinds=organizations&q=innovazione%20ricerca%20tecnologie%20sviluppo&limit=40')).results.map((r: { id: string }) => r.id) as string[]
for (const id of orgs.slice(0, 30)) {
  for (const mode of ['complementary', 'reciprocal', 'similar']) {
    const out = await call('/v1/match/partners', { organizationId: id, mode, limit: 5 })
    for (const r of out.results ?? []) { collect(`partners:${mode}`, r.reasons.matched); collect(`partners:${mode}:back`, r.reasons.matchedBack) }
  }
}
for (const text of ['manutenzione predittiva', 'robotica collaborativa', 'economia circolare', 'intelligenza artificiale', 'sicurezza informatica', 'agricoltura di precisione', 'dispositivi medici', 'efficienza energetica degli edifici', 'machine learning', 'battery recycling', 'turismo sostenibile', 'tracciabilità alimentare', 'additive manufacturing', 'smart grid', 'telemedicina', 'digital twin', 'packaging sostenibile', 'cybersecurity', 'biotecnologie', 'idrogeno verde']) {
  const out = await call('/v1/match/partners', { text, competencies: [text], limit: 5 })
  for (const r of out.results ?? []) collect('partners:text', r.reasons.matched)
}
for (let i = 1; i <= 40; i++) {
  const out = await call(`/v1/people/person-${String(i).padStart(7, '0')}/recommendations?limit=5`)
  for (const r of out.results ?? []) collect('recommendations', r.reasons.matchedInterests)
}
for (let i = 1; i <= 40; i++) {
  const out = await call(`/v1/proposals/prop-${String(i).padStart(7, '0')}/candidates?limit=5`)
  for (const r of out.results ?? []) collect('candidates', r.reasons.matched)
}
const distinct = (xs: Pair[]) => [...new Map(xs.map((p) => [`${p.sought}|${p.matched}`, p])).values()]
const rng = new Rng(5)
const sample = (xs: Pair[], n: number) => [...xs].sort(() => rng.next() - 0.5).slice(0, n)
const itit = distinct(pairs.filter((p) => p.langs === 'it-it' && p.sought.toLowerCase() !== p.matched.toLowerCase()))
const cross = distinct(pairs.filter((p) => p.langs === 'en-it'))
const report = {
  date: new Date().toISOString(),
  requests,
  statedPairs: pairs.length,
  byLanguagePair: Object.fromEntries(['it-it', 'en-it', 'en-en', '?-it', '?-en', '?-?'].map((k) => [k, pairs.filter((p) => p.langs === k).length])),
  byEvidence: Object.fromEntries(['words', 'concept', 'model'].map((k) => [k, pairs.filter((p) => p.evidence === k).length])),
  distinctDifferentWordsItIt: itit.length,
  distinctCross: cross.length,
  sampleItIt: sample(itit, 50),
  sampleCross: sample(cross, 50)
}
await writeFile(new URL('./results/reason-sweep.json', import.meta.url), JSON.stringify(report, null, 2) + '\n')
console.log(`${requests} requests, ${pairs.length} stated pairs; by language pair ${JSON.stringify(report.byLanguagePair)}; by evidence ${JSON.stringify(report.byEvidence)}`)
console.log(`Italian-Italian pairs in different words: ${itit.length} distinct; cross-language: ${cross.length} distinct`)
for (const [name, list] of [['it-it', report.sampleItIt], ['cross', report.sampleCross]] as const) {
  console.log(`\n${name} sample:`)
  for (const p of list) console.log(`  «${p.sought}» → «${p.matched}» (${p.strength}, ${p.evidence ?? '-'}, ${p.route})`)
}
