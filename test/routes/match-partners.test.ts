import t from 'tap'
import { readFileSync } from 'node:fs'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { ORGS } from '../helpers/sample-orgs.ts'
import { RankerModels } from '../../src/match/ranker/ranker-models.ts'
import type { Weights } from '../../src/match/features.ts'

// The weights the trainer learned from Horizon 2020 history (bench/h2020-partners.ts): the scenarios
// below must hold with them active as they do with the hand-set weights.
const h2020 = JSON.parse(readFileSync(new URL('../../bench/results/h2020-partners.json', import.meta.url), 'utf8')) as { perMethod: Record<string, { weights: Weights }> }
const RANKERS: Array<{ name: string, weights: Weights | null }> = [
  { name: 'hand-set weights', weights: null },
  { name: 'the ranker trained on Horizon 2020', weights: (h2020.perMethod['matcher: trained ranker'] as { weights: Weights }).weights }
]

for (const ranker of RANKERS) {
  t.test(`POST /v1/match/partners on the embedded default, ${ranker.name}`, async (t) => {
    const app = await testApp(t)
    if (ranker.weights) {
      await new RankerModels(app.parts.store.db).save('partners', ranker.weights, { source: 'bench/results/h2020-partners.json' }, true)
      await app.parts.ranker.reload()
      t.equal(app.parts.ranker.active?.report.source, 'bench/results/h2020-partners.json', 'the trained model is active')
    }
    const put = (kind: string, id: string, body: object) => app.inject({ method: 'PUT', url: `/v1/${kind}/${id}`, payload: { ...body, version: 1 }, headers: auth('write') })
    for (const [id, body] of ORGS) t.equal((await put('organizations', id, body)).statusCode, 201)
    // Reciprocal pair: r1 seeks what r2 has and has what r2 seeks; r3 only has what r1 seeks.
    await put('organizations', 'r1', { name: 'Alpha Robotics', kind: 'company', country: 'IT', competencies: ['collaborative robots'], needs: ['computer vision'] })
    await put('organizations', 'r2', { name: 'Beta Vision', kind: 'company', country: 'IT', competencies: ['computer vision'], needs: ['collaborative robots'] })
    await put('organizations', 'r3', { name: 'Gamma Vision', kind: 'company', country: 'IT', competencies: ['computer vision'], needs: ['wine tourism'] })
    await put('projects', 'pr1', { title: 'SMART-MAINT', programme: 'H2020 LEIT', participants: [{ organizationId: 'o1', role: 'coordinator' }, { organizationId: 'o3', role: 'participant' }, { organizationId: 'o2', role: 'participant' }] })
    await put('projects', 'pr2', { title: 'VISION-4-ROBOTS', programme: 'H2020 LEIT', participants: [{ organizationId: 'o2', role: 'coordinator' }, { organizationId: 'r2', role: 'participant' }] })
    await put('proposals', 'q1', { kind: 'technology_request', title: 'Cerchiamo partner per il riciclo batterie', seeks: ['riciclo batterie', 'battery recycling'], offers: ['impianti pilota'] })
    await eventually(async () => (await app.parts.searchIndex.count('organizations')) === ORGS.length + 3 && (await app.parts.searchIndex.count('proposals')) === 1, 60_000, 'indexed')

    const match = (body: object) => app.inject({ method: 'POST', url: '/v1/match/partners', payload: body, headers: auth('read') })

    t.test('free text with wanted competencies: the complementary partner first, with reasons', async (t) => {
      const res = await match({ text: 'sensors to monitor the condition of our machines', competencies: ['IoT sensors'], limit: 3 })
      t.equal(res.statusCode, 200)
      const body = res.json()
      t.equal(body.semanticMatching, true)
      t.equal(body.results[0].id, 'o3')
      t.match(body.results[0].reasons.matched[0], { sought: 'IoT sensors', matched: 'IoT sensors', similarity: 1 })
      t.match(body.results[0].reasons.summary[0], /Has what you seek/)
      t.notOk('features' in body.results[0], 'no feature breakdown unless asked')
    })

    t.test('a Server-Timing header says where the time went, phase by phase', async (t) => {
      const timing = (res: { headers: Record<string, unknown> }) => Object.fromEntries(String(res.headers['server-timing']).split(', ').map((p) => {
        const [name, dur] = p.split(';dur=')
        return [name as string, Number(dur)]
      }))
      const profile = timing(await match({ organizationId: 'r1', mode: 'reciprocal', limit: 3 }))
      t.same(Object.keys(profile), ['record', 'seeker', 'retrieve', 'vectors', 'rank', 'total'])
      const text = timing(await match({ text: 'sensors to monitor the condition of our machines', limit: 3 }))
      t.same(Object.keys(text), ['embed', 'retrieve', 'vectors', 'rank', 'total'])
      for (const phases of [profile, text]) {
        const { total, ...rest } = phases
        t.ok(Object.values(phases).every((ms) => Number.isFinite(ms) && ms >= 0), 'durations in ms')
        t.ok((total as number) >= Object.values(rest).reduce((s, ms) => s + ms, 0) - 0.05, 'the phases fit in the total')
      }
      const missing = await match({ organizationId: 'nobody' })
      t.equal(missing.statusCode, 404)
      t.same(Object.keys(timing(missing)), ['total'], 'an error has the total only')
    })

    t.test('a proposal finds organisations with what it seeks, in both languages', async (t) => {
      const body = (await match({ proposalId: 'q1', limit: 3 })).json()
      t.same(body.results.slice(0, 2).map((r: { id: string }) => r.id).sort(), ['o5', 'o6'])
    })

    t.test('reciprocal: a two-sided match ranks above a one-sided one', async (t) => {
      const body = (await match({ organizationId: 'r1', mode: 'reciprocal', explain: true, limit: 5 })).json()
      const ids = body.results.map((r: { id: string }) => r.id)
      t.ok(ids.indexOf('r2') >= 0 && ids.indexOf('r2') < ids.indexOf('r3'), `r2 before r3: ${ids}`)
      t.notOk(ids.includes('r1'), 'never itself')
      const r2 = body.results[ids.indexOf('r2')]
      t.ok(r2.reasons.matchedBack.length > 0, 'says what they seek that you offer')
      const sum = Object.values(r2.features as Record<string, { contribution: number }>).reduce((s, f) => s + f.contribution, 0)
      t.ok(Math.abs(sum - r2.score) < 1e-3, 'feature contributions add up to the score')
    })

    t.test('filters and exclusions', async (t) => {
      const it = (await match({ text: 'battery recycling', filters: { countries: ['IT'] }, limit: 20 })).json()
      t.ok(it.results.length > 0)
      t.ok(it.results.every((r: { country: string }) => r.country === 'IT'), 'only Italian organisations')
      const similar = (await match({ organizationId: 'o1', mode: 'similar', limit: 20 })).json()
      t.ok(similar.results.some((r: { id: string }) => r.id === 'o3'), 'a past partner is a candidate by default')
      const o3 = similar.results.find((r: { id: string }) => r.id === 'o3')
      t.same(o3.reasons.pastProjects, ['pr1'])
      t.match(o3.reasons.summary.join(' '), /worked together/)
      const fresh = (await match({ organizationId: 'o1', mode: 'similar', excludePastPartners: true, limit: 20 })).json()
      const ids = fresh.results.map((r: { id: string }) => r.id)
      t.notOk(ids.includes('o3') || ids.includes('o2') || ids.includes('o1'), 'self and past partners excluded')
    })

    t.test('cursor pagination', async (t) => {
      const first = (await match({ text: 'machines and batteries', limit: 2 })).json()
      t.equal(first.results.length, 2)
      t.type(first.nextCursor, 'string')
      const second = (await match({ text: 'machines and batteries', limit: 2, cursor: first.nextCursor })).json()
      t.notOk(second.results.some((r: { id: string }) => first.results.some((f: { id: string }) => f.id === r.id)), 'pages do not overlap')
      const wrong = await match({ text: 'something else', limit: 2, cursor: first.nextCursor })
      t.equal(wrong.statusCode, 400)
      t.match(wrong.json().message, /different request/)
    })

    t.test('bad requests', async (t) => {
      t.equal((await match({ text: 'robots', organizationId: 'o1' })).statusCode, 400)
      t.match((await match({})).json().message, /exactly one of/)
      t.equal((await match({ organizationId: 'nope' })).statusCode, 404)
      t.match((await match({ text: 'robots', limit: 500 })).json().message, /body\.limit/)
      t.match((await match({ text: 'robots', mode: 'sideways' })).json().message, /body\.mode/)
      t.equal((await app.inject({ method: 'POST', url: '/v1/match/partners', payload: { text: 'robots' } })).statusCode, 401)
    })
  })
}

t.test('reasons a person can trust: calibrated strengths, a two-sided match only when the needs are met', async (t) => {
  const app = await testApp(t)
  const put = (id: string, body: object) => app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload: { ...body, version: 1 }, headers: auth('write') })
  // A machining firm that needs sensors and maintenance software. The sensor maker needs machining
  // (two-sided); the software house has what the firm seeks but needs distributors, which the firm
  // does not offer (one-sided); the winery has nothing the firm seeks.
  await put('m1', { name: 'Officina Meccanica Brambilla', kind: 'company', country: 'IT', competencies: ['CNC machining', 'precision milling of metal parts'], needs: ['industrial IoT sensors', 'predictive maintenance software'] })
  await put('s1', { name: 'SensoriLab', kind: 'company', country: 'IT', competencies: ['industrial IoT sensors'], needs: ['CNC machining of sensor housings'] })
  await put('d1', { name: 'PredictSoft', kind: 'company', country: 'IT', competencies: ['predictive maintenance software'], needs: ['distributors in Germany', 'sales agents for export'] })
  await put('w1', { name: 'Cantina Franciacorta', kind: 'company', country: 'IT', competencies: ['wine tourism'], needs: ['bottling line automation'] })
  await eventually(async () => (await app.parts.searchIndex.count('organizations')) === 4, 60_000, 'indexed')
  const body = (await app.inject({ method: 'POST', url: '/v1/match/partners', headers: auth('read'), payload: { organizationId: 'm1', mode: 'reciprocal', explain: true, limit: 5 } })).json()
  const byId = new Map(body.results.map((r: { id: string }) => [r.id, r]))
  const s1 = byId.get('s1') as { features: { two_sided: { value: number } }, reasons: { matchedBack: Array<{ strength: string }>, summary: string[] } }
  const d1 = byId.get('d1') as { features: { two_sided: { value: number } }, reasons: { matched: unknown[], matchedBack: unknown[], summary: string[] } }
  t.equal(body.results[0].id, 's1', `the two-sided partner first: ${body.results.map((r: { id: string }) => r.id)}`)
  t.ok(s1.features.two_sided.value > 0, 'the sensor maker is two-sided')
  t.ok(s1.reasons.matchedBack.length > 0 && ['strong', 'partial'].includes(s1.reasons.matchedBack[0]?.strength ?? ''), 'says which of its needs you meet, and how strongly')
  t.equal(d1.features.two_sided.value, 0, 'a candidate whose needs you meet in none is not two-sided')
  t.same(d1.reasons.matchedBack, [], 'and is not said to seek what you offer')
  t.ok(d1.reasons.matched.length > 0, 'it still has what you seek')
  for (const r of body.results) {
    t.ok(r.score >= 0 && r.score <= 1, `${r.id}: score ${r.score} within [0, 1]`)
    t.notMatch(r.reasons.summary.join(' '), /%/, `${r.id}: no raw percentages in the reasons`)
    for (const m of r.reasons.matched) t.ok(m.strength === 'strong' || m.strength === 'partial', `${r.id}: "${m.sought}" → "${m.matched}" stated as ${m.strength}`)
  }
  const w1 = byId.get('w1') as { reasons: { matched: unknown[] } } | undefined
  t.same(w1?.reasons.matched ?? [], [], 'the winery is not said to have what you seek')
})
