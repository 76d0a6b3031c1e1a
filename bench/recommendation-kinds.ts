// The kinds on the first page of recommendations, before and after the per-kind places and the fit
// bar for communities and content (issue 34, item 5): for 100 demo people (a seeded sample of the
// seed demo's person ids), the share of proposals, communities and content in the top 10 of
// `GET /v1/people/:id/recommendations` with the default kinds, as two running services answer it.
// It also draws a seeded sample of 30 recommended (person, community) pairs from each service, with
// the person's fields and the community's title, tags and reasons, for judging by reading; the
// judgements, written by hand to bench/results/recommendation-kinds-judged.json (key
// "before|after:person/community" → { fits, note }), are counted into the result when present.
//
//   npx tsx bench/recommendation-kinds.ts   (env: BEFORE_URL=http://127.0.0.1:3111, AFTER_URL=http://127.0.0.1:3127,
//                                             BENCH_PEOPLE=100, BENCH_SAMPLE=30)
// Both services run the same demo (the committed seed) and model; BEFORE_URL runs the code before.
import { existsSync, readFileSync } from 'node:fs'
import { Rng, hash32 } from '../fixtures/lib/prng.ts'
import { report } from './lib/report.ts'

const BEFORE = process.env.BEFORE_URL ?? 'http://127.0.0.1:3111'
const AFTER = process.env.AFTER_URL ?? 'http://127.0.0.1:3127'
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 100)
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 30)
const JUDGED = new URL('./results/recommendation-kinds-judged.json', import.meta.url)

interface Rec { kind: string, id: string, title: string, reasons: { summary: string[] } }
const get = async (base: string, path: string) => {
  const res = await fetch(`${base}${path}`)
  return res.ok ? await res.json() as Record<string, any> : null
}

// A seeded sample of people that exist on the demo (ids person-0000001 ... person-0001199).
const rng = new Rng(hash32('recommendation-kinds'))
const people: Array<Record<string, any>> = []
const tried = new Set<number>()
while (people.length < PEOPLE && tried.size < 1199) {
  const n = 1 + rng.int(1199)
  if (tried.has(n)) continue
  tried.add(n)
  const p = await get(AFTER, `/v1/people/person-${String(n).padStart(7, '0')}`)
  if (p) people.push(p)
}

const rows: Array<Record<string, string | number>> = []
const pairs: Record<'before' | 'after', Array<Record<string, unknown>>> = { before: [], after: [] }
for (const [label, base] of [['before', BEFORE], ['after', AFTER]] as const) {
  const counts: Record<string, number> = { proposals: 0, communities: 0, content: 0 }
  let withCommunity = 0
  let withContent = 0
  let total = 0
  for (const p of people) {
    const body = await get(base, `/v1/people/${p.id}/recommendations?limit=10`)
    const results = (body?.results ?? []) as Rec[]
    total += results.length
    for (const r of results) counts[r.kind] = (counts[r.kind] ?? 0) + 1
    if (results.some((r) => r.kind === 'communities')) withCommunity++
    if (results.some((r) => r.kind === 'content')) withContent++
    for (const r of results.filter((r) => r.kind === 'communities')) {
      pairs[label].push({ key: `${label}:${p.id}/${r.id}`, person: p.id, interests: p.interests ?? [], expertise: p.expertise ?? [], interestsText: p.interestsText, community: r.id, title: r.title, summary: r.reasons.summary })
    }
  }
  // Before the change hardly a community reaches a top 10: then the sample comes from asking for
  // communities alone (the top 3), which is what a portal showing a communities box would get.
  if (pairs[label].length < SAMPLE) {
    pairs[label] = []
    for (const p of people) {
      const body = await get(base, `/v1/people/${p.id}/recommendations?limit=3&kinds=communities`)
      for (const r of (body?.results ?? []) as Rec[]) pairs[label].push({ key: `${label}:${p.id}/${r.id}`, person: p.id, interests: p.interests ?? [], expertise: p.expertise ?? [], interestsText: p.interestsText, community: r.id, title: r.title, summary: r.reasons.summary, from: 'kinds=communities, top 3' })
    }
  }
  rows.push({
    code: label,
    people: people.length,
    'top-10 items': total,
    proposals: round(counts.proposals as number / (total || 1)),
    communities: round(counts.communities as number / (total || 1)),
    content: round(counts.content as number / (total || 1)),
    'people with a community': withCommunity,
    'people with content': withContent
  })
}

const judged = existsSync(JUDGED) ? JSON.parse(readFileSync(JUDGED, 'utf8')) as Record<string, { fits: boolean, note?: string }> : {}
const samples: Record<string, unknown> = {}
for (const label of ['before', 'after'] as const) {
  const pick = new Rng(hash32(`recommendation-kinds-sample-${label}`))
  const pool = [...pairs[label]]
  const sample: Array<Record<string, unknown>> = []
  while (sample.length < SAMPLE && pool.length > 0) sample.push(...pool.splice(pick.int(pool.length), 1))
  const marks = sample.map((s) => judged[s.key as string]).filter((j): j is { fits: boolean } => !!j)
  samples[label] = {
    recommendedPairs: pairs[label].length,
    sampled: sample.length,
    judged: marks.length,
    fitting: marks.filter((m) => m.fits).length,
    sample: sample.map((s) => ({ ...s, ...(judged[s.key as string] ? { judgement: judged[s.key as string] } : {}) }))
  }
  console.log(`${label}: ${pairs[label].length} recommended (person, community) pairs; sample of ${sample.length}, ${marks.length} judged, ${marks.filter((m) => m.fits).length} fit the person's fields`)
}
await report('recommendation-kinds', rows, { before: BEFORE, after: AFTER, communitySamples: samples })

function round (x: number): number { return Math.round(x * 1000) / 1000 }
