import t from 'tap'
import { testApp, auth, eventually } from '../helpers/app.ts'
import { freshDatabase, modelsDir, needs, services } from '../helpers/services.ts'
import { exited, spawnScript } from '../helpers/processes.ts'

/**
 * A collaboration history where the coordinators' later consortia repeat their partners of the same
 * programme area, while other partners share more projects with them in another area: the hand-set
 * weights mix the two (more shared projects count for the others); a ranker trained on the history
 * should learn the area. Ten coordinators, each with three area partners (2 shared projects in its area) and three
 * other partners (6 shared projects in LEIT, and active in the coordinator's area with others).
 */
function history (): string {
  const lines: string[] = []
  // Every organisation has the same competencies: the text features cannot tell them apart, the
  // history decides (and the trainer must leave the text features' weights as they are).
  const org = (id: string) => lines.push(JSON.stringify({ op: 'upsert', kind: 'organizations', id, record: { name: `Org ${id}`, kind: 'company', country: 'IT', competencies: ['engineering services'], version: 1 } }))
  const project = (id: string, programme: string, start: string, members: string[]) => lines.push(JSON.stringify({
    op: 'upsert', kind: 'projects', id, record: { title: `Project ${id}`, programme, start, participants: members.map((m, i) => ({ organizationId: m, role: i === 0 ? 'coordinator' : 'participant' })), version: 1 }
  }))
  const month = (y: number, m: number) => `${y}-${String(m).padStart(2, '0')}-01`
  let n = 0
  for (let f = 0; f < 6; f++) org(`f${f}`)
  for (let c = 0; c < 10; c++) {
    const area = c % 2 === 0 ? 'SC1' : 'SC5'
    org(`c${c}`)
    const a = [0, 1, 2].map((i) => `a${c}-${i}`)
    const b = [0, 1, 2].map((i) => `b${c}-${i}`)
    for (const id of a) org(id)
    for (const id of b) org(id)
    for (let k = 0; k < 2; k++) project(`h${n++}`, area, month(2020 + k, 3), [`c${c}`, ...a])
    for (let k = 0; k < 6; k++) project(`h${n++}`, 'LEIT', month(2019 + (k % 3), 5 + k), [`c${c}`, ...b])
    for (const id of b) for (let k = 0; k < 3; k++) project(`h${n++}`, area, month(2021, 1 + k), [id, `f${k}`, `f${k + 3}`])
    // Outcomes in the last twelve months: the area partners again.
    for (let k = 0; k < 2; k++) project(`o${c}-${k}`, area, month(2023, 2 + 5 * k + (c % 3)), [`c${c}`, ...a])
  }
  return lines.join('\n') + '\n'
}

const backends = [
  { name: 'Postgres + embedded index', es: false },
  { name: 'Postgres + Elasticsearch', es: true }
]

for (const backend of backends) {
  t.test(`the partner ranker is trained, stored, served, explained and rolled back: ${backend.name}`, async (t) => {
    if (!await needs(t, 'Postgres', services.postgres)) return
    if (backend.es && !await needs(t, 'Elasticsearch', services.elasticsearch)) return
    const env: Record<string, string> = { DATABASE_URL: await freshDatabase(t) }
    if (backend.es) Object.assign(env, { ELASTICSEARCH_URL: services.elasticsearch, INDEX_PREFIX: `test-ranker-${process.pid}-` })
    const app = await testApp(t, env)
    if (backend.es) t.teardown(async () => { await (app.parts.searchIndex as unknown as { client: { indices: { delete: (o: object) => Promise<unknown> } } }).client.indices.delete({ index: `${env.INDEX_PREFIX}*` }).catch(() => {}) })
    const imported = await app.inject({ method: 'POST', url: '/v1/bulk', payload: history(), headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
    t.equal(imported.statusCode, 200, imported.body)
    t.equal(imported.json().failed, 0)
    await eventually(async () => (await app.parts.searchIndex.count('organizations')) === 76, 120_000, 'organisations indexed')
    await app.parts.graph.settled()

    const admin = auth('admin')
    const state = async () => (await app.inject({ method: 'GET', url: '/v1/admin/ranker', headers: admin })).json()
    const match = async () => (await app.inject({ method: 'POST', url: '/v1/match/partners', headers: auth('read'), payload: { organizationId: 'c0', programme: 'SC1', explain: true, limit: 6 } })).json()

    const cold = await state()
    t.equal(cold.source, 'hand-set', 'no model yet: the hand-set weights apply')
    t.same(cold.versions, [])
    const before = await match()
    t.equal(before.results[0].features.area_partner.weight, 0, 'hand-set weights give the new collaboration features 0')

    t.equal((await app.inject({ method: 'GET', url: '/v1/admin/ranker', headers: auth('read') })).statusCode, 403, 'admin only')
    const bad = await app.inject({ method: 'POST', url: '/v1/admin/ranker/train', headers: admin, payload: { windowMonths: 0 } })
    t.equal(bad.statusCode, 400)
    t.match(bad.json().message, /windowMonths/)

    const trained = await app.inject({ method: 'POST', url: '/v1/admin/ranker/train', headers: admin, payload: {} })
    t.equal(trained.statusCode, 201, trained.body)
    const v1 = trained.json()
    t.match(v1, { version: Number, active: true, report: { target: 'partners', window: { outcomesFrom: '2022-09-01', outcomesTo: '2023-09-01' } } })
    t.equal(v1.report.data.trainQueries + v1.report.data.validationQueries, 20, 'every outcome project whose coordinator has history is a query')
    t.ok(v1.report.fittedFeatures.includes('area_partner'), 'the area feature varies in the data and was fitted')
    t.ok(v1.weights.area_partner > 0, `area_partner learned a positive weight: ${v1.weights.area_partner}`)
    const v = v1.report.validation
    t.ok(v.trained.nDCG10 > v.handSet.nDCG10, `held-out outcomes: nDCG@10 ${v.handSet.nDCG10} (hand-set) → ${v.trained.nDCG10} (trained)`)
    t.equal(v1.weights.semantic_fit, cold.handSet.semantic_fit, 'a text feature that did not vary keeps its hand-set weight')

    const served = await state()
    t.equal(served.source, 'model')
    t.equal(served.active.version, v1.version)
    t.same(served.weights, v1.weights, 'the active model\'s weights are in force')
    const after = await match()
    const total = Object.values(v1.weights as Record<string, number>).reduce((sum, x) => sum + Math.abs(x), 0)
    t.ok(Math.abs(after.results[0].features.area_partner.weight - v1.weights.area_partner / total) < 1e-5, 'explain shows the model\'s weights, as applied (unit scale)')
    t.ok(after.results.every((r: { score: number }) => r.score <= 1), 'scores are at most 1')
    t.same(after.results.slice(0, 3).map((r: { id: string }) => r.id).sort(), ['a0-0', 'a0-1', 'a0-2'], 'the trained ranker puts the area partners first')
    for (const r of after.results) {
      const sum = Object.values(r.features as Record<string, { contribution: number }>).reduce((s, f) => s + f.contribution, 0)
      t.ok(Math.abs(sum - r.score) < 2e-3, `${r.id}: contributions add up to the score`)
    }

    // A second version, not activated; then activation and rollback.
    const v2 = (await app.inject({ method: 'POST', url: '/v1/admin/ranker/train', headers: admin, payload: { activate: false, windowMonths: 6 } })).json()
    t.equal(v2.active, false)
    t.equal((await state()).active.version, v1.version, 'an inactive version changes nothing')
    const switched = await app.inject({ method: 'PUT', url: '/v1/admin/ranker/active', headers: admin, payload: { version: v2.version } })
    t.equal(switched.statusCode, 200)
    t.equal(switched.json().active.version, v2.version)
    t.same(switched.json().versions.map((x: { version: number, active: boolean }) => [x.version, x.active]), [[v2.version, true], [v1.version, false]], 'newest first, one active')
    const back = await app.inject({ method: 'PUT', url: '/v1/admin/ranker/active', headers: admin, payload: { version: v1.version } })
    t.equal(back.json().active.version, v1.version, 'rolled back')
    const missing = await app.inject({ method: 'PUT', url: '/v1/admin/ranker/active', headers: admin, payload: { version: 999 } })
    t.equal(missing.statusCode, 404)
    t.match(missing.json().message, /999/)
    t.equal((await state()).active.version, v1.version, 'a failed activation changes nothing')

    // The CLI works on the same store, and the service follows its change through the store.
    const cliEnv = { ...env, MODELS_DIR: modelsDir, EMBEDDING_MODEL: 'all-minilm-l6-v2', EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false', LOG_LEVEL: 'silent', DEMO_DATA: 'false' }
    const cli = async (...args: string[]) => {
      const child = spawnScript('src/cli/ranker.ts', cliEnv, args)
      const code = await exited(child)
      return { code, output: child.output() }
    }
    const listed = await cli('list')
    t.equal(listed.code, 0, 'list exits 0')
    t.match(listed.output, new RegExp(`\\* v${v1.version} `), 'the active version is starred')
    const cliActivate = await cli('activate', String(v2.version))
    t.equal(cliActivate.code, 0, 'activate exits 0')
    await eventually(async () => app.parts.ranker.active?.version === v2.version, 10_000, 'the service follows the CLI\'s activation')
    const refused = await cli('activate', 'x')
    t.equal(refused.code, 2, 'a bad argument is refused')

    // Feedback on organisations shown as partners joins the training: the person's organisation is the seeker.
    t.equal((await app.inject({ method: 'PUT', url: '/v1/people/u1', headers: auth('write'), payload: { name: 'Ugo', organizationId: 'c1', version: 1 } })).statusCode, 201)
    const events = [['interest', 'b1-0'], ['dismissed', 'a1-0'], ['shown', 'a1-1'], ['shown', 'b1-1'], ['clicked', 'b1-1']].map(([event, itemId]) => ({ personId: 'u1', itemKind: 'organizations', itemId, event }))
    events.push({ personId: 'u1', itemKind: 'proposals', itemId: 'q-none', event: 'shown' })
    t.equal((await app.inject({ method: 'POST', url: '/v1/feedback', headers: auth('write'), payload: { events } })).statusCode, 202)
    const v3 = (await app.inject({ method: 'POST', url: '/v1/admin/ranker/train', headers: admin, payload: { activate: false } })).json()
    t.match(v3.report.data, { feedbackEvents: 5, feedbackSeekers: 1, feedbackCandidatesInPool: 4 }, 'five events on organisations, one seeker, four candidates it rated, all in its pool')
    t.ok(v3.report.data.pairs > v1.report.data.pairs, `the feedback adds pairs: ${v1.report.data.pairs} → ${v3.report.data.pairs}`)

    const cleared = await app.inject({ method: 'DELETE', url: '/v1/admin/ranker/active', headers: admin })
    t.equal(cleared.json().source, 'hand-set')
    t.equal((await match()).results[0].features.area_partner.weight, 0, 'the hand-set weights apply again')
  })
}
