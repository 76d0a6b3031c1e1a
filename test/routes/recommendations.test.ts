import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { diversify } from '../../src/match/features.ts'

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)

t.test('diversify keeps near-duplicates apart', async (t) => {
  const v = (...xs: number[]) => { const a = new Float32Array(xs); const n = Math.hypot(...xs); return a.map((x) => x / n) }
  const items = [{ id: 'a', s: 1, v: v(1, 0) }, { id: 'a2', s: 0.99, v: v(1, 0.01) }, { id: 'b', s: 0.8, v: v(0, 1) }]
  t.same(diversify(items, (x) => x.s, (x) => x.v).map((x) => x.id), ['a', 'b', 'a2'])
  t.same(diversify(items, (x) => x.s, (x) => x.v, 1).map((x) => x.id), ['a', 'a2', 'b'], 'lambda 1 is plain relevance')

  // Depth: the first k picks do not depend on how many are picked (cursor pages stay consistent).
  let seed = 7
  const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
  const many = Array.from({ length: 60 }, (_, i) => ({ id: `x${i}`, s: 1 - i / 100, v: v(...Array.from({ length: 8 }, () => rnd() - 0.5)) }))
  // Near-duplicates of the top items, so diversification changes the order.
  for (let i = 0; i < 10; i++) { const base = many[i]; if (base) many.push({ ...base, id: `dup${i}`, s: 0.995 - i / 100 }) }
  many.sort((a, b) => b.s - a.s)
  const full = diversify(many, (x) => x.s, (x) => x.v).map((x) => x.id)
  const shallow = diversify(many, (x) => x.s, (x) => x.v, 0.8, 0.6, 12).map((x) => x.id)
  t.same(shallow.slice(0, 12), full.slice(0, 12), 'the first picks are the same at any depth')
  t.not(full.slice(0, 12).join(), many.slice(0, 12).map((x) => x.id).join(), 'near-duplicates were moved down')
  const rest = shallow.slice(12)
  t.same(rest, many.map((x) => x.id).filter((id) => !shallow.slice(0, 12).includes(id)), 'beyond the depth, items keep their order')
  t.equal(new Set(shallow).size, many.length, 'every item once')
})

t.test('GET /v1/people/:id/recommendations and POST /v1/feedback', async (t) => {
  const app = await testApp(t)
  const put = (kind: string, id: string, body: object) => app.inject({ method: 'PUT', url: `/v1/${kind}/${id}`, payload: { ...body, version: 1 }, headers: auth('write') })
  await put('organizations', 'm1', { name: 'Robotica Lombarda', kind: 'company', country: 'IT', competencies: ['robotica collaborativa'] })
  await put('people', 'g1', { name: 'Giulia', organizationId: 'm1', interests: ['robotica', 'intelligenza artificiale'], expertise: ['visione artificiale'], s3Areas: ['Manifatturiero avanzato'] })
  const proposals: Array<[string, object]> = [
    ['p1', { kind: 'technology_request', title: 'Cerchiamo esperti di visione artificiale per robot', seeks: ['visione artificiale'], s3Areas: ['Manifatturiero avanzato'], deadline: inDays(10) }],
    ['p2', { kind: 'collaboration', title: 'Robot collaborativi in fabbrica', body: 'Robotica collaborativa per linee di assemblaggio' }],
    ['p3', { kind: 'collaboration', title: 'Robot collaborativi nelle fabbriche', body: 'Robotica collaborativa per le linee di assemblaggio' }],
    ['p4', { kind: 'collaboration', title: 'Robotica per ospedali', body: 'Robot di servizio', deadline: inDays(-1) }],
    ['p5', { kind: 'collaboration', title: 'Robotica agricola', status: 'closed' }],
    ['p6', { kind: 'collaboration', title: 'La mia proposta di robotica', authorPersonId: 'g1' }],
    ['p7', { kind: 'collaboration', title: 'Enoturismo e cantine', body: 'Turismo del vino in Franciacorta' }],
    ['p8', { kind: 'collaboration', title: 'Degustazioni di vino e turismo', body: 'Percorsi enogastronomici tra le cantine' }],
    ['p9', { kind: 'collaboration', title: 'Marketing per agriturismi', body: 'Promozione digitale di agriturismi' }]
  ]
  for (const [id, body] of proposals) t.equal((await put('proposals', id, body)).statusCode, 201)
  await put('communities', 'c1', { title: 'Intelligenza artificiale', text: 'Comunità su AI e robotica', tags: ['intelligenza artificiale'] })
  await put('content', 'n1', { type: 'news', title: 'Nuovo bando per la robotica', text: 'Finanziamenti per progetti di robotica', date: inDays(-2) })
  await eventually(async () => (await app.parts.searchIndex.count('proposals')) === 9 && (await app.parts.searchIndex.count('content')) === 1, 60_000, 'indexed')

  const recs = async (query = '') => {
    const res = await app.inject({ method: 'GET', url: `/v1/people/g1/recommendations?limit=20${query}`, headers: auth('read') })
    t.equal(res.statusCode, 200, res.body.slice(0, 200))
    return res.json().results as Array<{ kind: string, id: string, reasons: { summary: string[], daysToDeadline: number | null } }>
  }
  const feedback = (events: object[]) => app.inject({ method: 'POST', url: '/v1/feedback', payload: { events }, headers: auth('write') })

  t.test('a Server-Timing header names each phase', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/v1/people/g1/recommendations', headers: auth('read') })
    const phases = String(res.headers['server-timing']).split(', ').map((p) => p.split(';dur='))
    t.same(phases.map(([name]) => name), ['record', 'feedback', 'seeker', 'retrieve', 'rank', 'total'])
    t.ok(phases.every(([, dur]) => Number(dur) >= 0), 'durations in ms')
  })

  t.test('open opportunities only, never your own, with reasons', async (t) => {
    const list = await recs()
    const ids = list.map((r) => r.id)
    for (const gone of ['p4', 'p5', 'p6']) t.notOk(ids.includes(gone), `${gone} is not offered (expired, closed or own)`)
    t.ok(ids.includes('c1') && ids.includes('n1'), 'communities and content too')
    t.equal(list[0]?.id, 'p1', 'the proposal that seeks your expertise, with a near deadline, first')
    t.match(list[0]?.reasons.summary.join(' '), /Deadline in 10 days/)
    t.ok(ids.indexOf('p2') < ids.indexOf('p7'), 'robotics before wine tourism for a robotics person')
  })

  t.test('kinds filter', async (t) => {
    const list = await recs('&kinds=communities,content')
    t.ok(list.length > 0 && list.every((r) => r.kind !== 'proposals'))
  })

  t.test('a dismissed item disappears at once; shown items can be left out', async (t) => {
    t.equal((await feedback([{ personId: 'g1', itemKind: 'proposals', itemId: 'p1', event: 'dismissed' }])).statusCode, 202)
    t.notOk((await recs()).some((r) => r.id === 'p1'))
    await feedback([{ personId: 'g1', itemKind: 'proposals', itemId: 'p2', event: 'shown' }])
    t.ok((await recs()).some((r) => r.id === 'p2'), 'shown items stay by default')
    t.notOk((await recs('&excludeShown=true')).some((r) => r.id === 'p2'), 'excludeShown leaves them out')
  })

  t.test('recommendations move toward what the person engaged with', async (t) => {
    const before = (await recs()).map((r) => r.id).indexOf('p8')
    await feedback([{ personId: 'g1', itemKind: 'proposals', itemId: 'p7', event: 'interest' }, { personId: 'g1', itemKind: 'proposals', itemId: 'p7', event: 'clicked' }])
    const afterList = await recs('&explain=true')
    const after = afterList.map((r) => r.id).indexOf('p8')
    t.ok(after < before, `p8 (like the engaged p7) moved up: ${before} → ${after}`)
  })

  t.test('bad requests', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: '/v1/people/nobody/recommendations', headers: auth('read') })).statusCode, 404)
    const bad = await app.inject({ method: 'GET', url: '/v1/people/g1/recommendations?kinds=planets', headers: auth('read') })
    t.equal(bad.statusCode, 400)
    t.match(bad.json().message, /querystring\.kinds/)
    const badEvent = await feedback([{ personId: 'g1', itemKind: 'proposals', itemId: 'p1', event: 'liked' }])
    t.equal(badEvent.statusCode, 400)
    t.match(badEvent.json().message, /body\.events\.0\.event/)
    t.equal((await app.inject({ method: 'POST', url: '/v1/feedback', payload: { events: [] }, headers: auth('write') })).statusCode, 400)
  })
})
