import t from 'tap'
import { readFileSync } from 'node:fs'
import { auth, eventually } from '../helpers/app.ts'
import { backendApp, BACKENDS } from '../helpers/backend-app.ts'
import { RankerModels } from '../../src/match/ranker/ranker-models.ts'
import type { Weights } from '../../src/match/features.ts'

// The weights the trainer learned from Horizon 2020 history (bench/h2020-partners.ts), as in
// match-partners.test.ts: the teams must hold with them active (on the embedded index) as with the
// hand-set weights (on both index backends).
const h2020 = JSON.parse(readFileSync(new URL('../../bench/results/h2020-partners.json', import.meta.url), 'utf8')) as { perMethod: Record<string, { weights: Weights }> }
const TRAINED = (h2020.perMethod['matcher: trained ranker'] as { weights: Weights }).weights
const RUNS: Array<{ backend: typeof BACKENDS[number], ranker: string, weights: Weights | null }> = [
  ...BACKENDS.map((backend) => ({ backend, ranker: 'hand-set weights', weights: null })),
  { backend: 'embedded', ranker: 'the ranker trained on Horizon 2020', weights: TRAINED }
]

interface Org { name: string, kind: string, country: string, competencies?: string[], needs?: string[], needsText?: string, group?: string }

/**
 * Hand-built organisations where the right team is known: in each scenario a seeker needs three
 * competencies and exactly one or two organisations have each; a distractor has none. Italian, English,
 * Italian needs met by English profiles and the reverse (the same concepts, in the other language).
 */
const ORGS: Record<string, Org> = {
  // Italian.
  'it-seeker': { name: 'Officina Rossi', kind: 'company', country: 'IT', competencies: ['lavorazioni CNC'], needs: ['sensori IoT industriali', 'manutenzione predittiva', 'sicurezza informatica'], group: 'gruppo-rossi' },
  'it-iot': { name: 'Sensoristica Brianza', kind: 'company', country: 'IT', competencies: ['sensori IoT industriali'] },
  'it-iot2': { name: 'Rossi Sensori', kind: 'company', country: 'IT', competencies: ['sensori IoT industriali'], group: 'gruppo-rossi' },
  'it-pdm': { name: 'Politecnico di Lecco', kind: 'university', country: 'IT', competencies: ['manutenzione predittiva'] },
  'it-cyber': { name: 'CiberDefensa', kind: 'company', country: 'ES', competencies: ['sicurezza informatica'] },
  'it-cyber2': { name: 'Istituto Sicurezza Digitale', kind: 'research_centre', country: 'DE', competencies: ['sicurezza informatica'] },
  'it-wine': { name: 'Cantina del Garda', kind: 'company', country: 'IT', competencies: ['enoturismo'] },
  // English.
  'en-seeker': { name: 'Harbour Logistics', kind: 'company', country: 'NL', needs: ['cold chain logistics', 'route optimisation', 'warehouse automation'] },
  'en-cold': { name: 'Frost Carriers', kind: 'company', country: 'BE', competencies: ['cold chain logistics'] },
  'en-route': { name: 'Delft Routing Lab', kind: 'university', country: 'DE', competencies: ['route optimisation'] },
  'en-wh': { name: 'Warehouse Robotics Institute', kind: 'research_centre', country: 'FR', competencies: ['warehouse automation'] },
  'en-wh2': { name: 'Dutch Warehouse Systems', kind: 'company', country: 'NL', competencies: ['warehouse automation'] },
  'en-wine': { name: 'Vineyard Tours', kind: 'company', country: 'PT', competencies: ['wine tourism'] },
  // Italian needs, English profiles.
  'x-seeker': { name: 'Manifattura Veneta', kind: 'company', country: 'IT', needs: ['stampa 3D', 'analisi del ciclo di vita', 'gemello digitale'] },
  'x-am': { name: 'Additive Works', kind: 'company', country: 'IE', competencies: ['additive manufacturing'] },
  'x-lca': { name: 'Nordic LCA Centre', kind: 'university', country: 'SE', competencies: ['life cycle assessment'] },
  'x-dt': { name: 'Twin Systems Oy', kind: 'research_centre', country: 'FI', competencies: ['digital twin'] },
  // No sought phrases, only a text: the concepts it names are sought.
  'z-seeker': { name: 'Fonderia Lariana', kind: 'company', country: 'IT', needsText: 'Per il nuovo impianto cerchiamo partner per la stampa 3D e per un gemello digitale.', competencies: ['fusione in sabbia'] },
  // English needs, Italian profiles.
  'y-seeker': { name: 'Dublin Mobility', kind: 'company', country: 'IE', needs: ['computer vision', 'battery recycling', 'data protection'] },
  'y-cv': { name: 'Università di Visione', kind: 'university', country: 'IT', competencies: ['visione artificiale'] },
  'y-bat': { name: 'Ricicla Batterie Srl', kind: 'company', country: 'IT', competencies: ['riciclo delle batterie'] },
  'y-dp': { name: 'Studio Privacy Torino', kind: 'company', country: 'IT', competencies: ['protezione dei dati'] }
}

const TEAMS: Record<string, { language: string, covers: Record<string, string[]> }> = {
  'it-seeker': { language: 'it', covers: { 'sensori IoT industriali': ['it-iot', 'it-iot2'], 'manutenzione predittiva': ['it-pdm'], 'sicurezza informatica': ['it-cyber', 'it-cyber2'] } },
  'en-seeker': { language: 'en', covers: { 'cold chain logistics': ['en-cold'], 'route optimisation': ['en-route'], 'warehouse automation': ['en-wh', 'en-wh2'] } },
  'x-seeker': { language: 'it → en', covers: { 'stampa 3D': ['x-am'], 'analisi del ciclo di vita': ['x-lca'], 'gemello digitale': ['x-dt'] } },
  'y-seeker': { language: 'en → it', covers: { 'computer vision': ['y-cv'], 'battery recycling': ['y-bat'], 'data protection': ['y-dp'] } }
}

interface Member {
  organizationId: string
  role: string
  kind: string
  country: string
  score: number | null
  covers: string[]
  reasons: { matched: Array<{ sought: string, matched: string, strength: string, evidence?: string }> }
  gain: { objective: number, covers: string[], countries: string[], kinds: string[], collaborations: string[] }
  alternatives: Array<{ organizationId: string, covers: string[], change: { objective: number, coverageGained: string[], coverageLost: string[], rulesBroken: string[] } }>
}
interface Reply {
  method: string
  objective: number
  bound?: number
  members: Member[]
  coverage: { sought: Array<{ competency: string, coveredBy: string[] }>, uncovered: string[], share: number }
  rules: Array<{ rule: string, required: number, actual: number, met: boolean, kind?: string, detail?: string }>
}

for (const { backend, ranker, weights } of RUNS) {
  t.test(`POST /v1/match/consortium on ${backend}, ${ranker}`, async (t) => {
    const app = await backendApp(t, backend)
    if (!app) return
    if (weights) {
      await new RankerModels(app.parts.store.db).save('partners', weights, { source: 'bench/results/h2020-partners.json' }, true)
      await app.parts.ranker.reload()
      t.equal(app.parts.ranker.active?.report.source, 'bench/results/h2020-partners.json', 'the trained model is active')
    }
    for (const [id, o] of Object.entries(ORGS)) {
      const res = await app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload: { ...o, version: 1 }, headers: auth('write') })
      t.equal(res.statusCode, 201, `stored ${id}`)
    }
    await app.inject({ method: 'PUT', url: '/v1/projects/p1', payload: { title: 'SAFE-FACTORY', programme: 'H2020 LEIT', participants: [{ organizationId: 'it-seeker', role: 'coordinator' }, { organizationId: 'it-cyber2', role: 'participant' }] }, headers: auth('write') })
    await eventually(async () => (await app.parts.searchIndex.count('organizations')) === Object.keys(ORGS).length, 120_000, 'indexed')
    await app.parts.graph.settled()
    const consortium = (payload: object) => app.inject({ method: 'POST', url: '/v1/match/consortium', payload, headers: auth('read') })
    const ok = async (payload: object): Promise<Reply> => {
      const res = await consortium(payload)
      t.equal(res.statusCode, 200, res.statusCode === 200 ? 'answered' : res.body)
      return res.json() as Reply
    }
    const ids = (r: Reply) => r.members.map((m) => m.organizationId)

    for (const [seeker, want] of Object.entries(TEAMS)) {
      t.test(`${want.language}: one member for each sought competency, the seeker first`, async (t) => {
        const r = await ok({ organizationId: seeker })
        t.equal(r.members[0]?.organizationId, seeker)
        t.equal(r.members[0]?.role, 'seeker')
        t.equal(r.members[0]?.score, null)
        t.same(r.coverage.uncovered, [], `all covered: ${JSON.stringify(r.coverage.sought)}`)
        t.equal(r.coverage.share, 1)
        for (const [competency, by] of Object.entries(want.covers)) {
          const coveredBy = r.coverage.sought.find((s) => s.competency === competency)?.coveredBy ?? []
          t.ok(coveredBy.length > 0 && coveredBy.every((id) => by.includes(id)), `${competency} covered by ${coveredBy} (one of ${by})`)
          const member = r.members.find((m) => m.organizationId === coveredBy[0])
          const reason = member?.reasons.matched.find((m) => m.sought === competency)
          t.ok(reason, `${competency}: the member's reasons state the match`)
          if (want.language.includes('→')) t.equal(reason?.evidence, 'concept', `${competency} ↔ ${reason?.matched}: the same concept across languages`)
        }
        t.notOk(ids(r).some((id) => id.endsWith('-wine')), 'no distractor')
        t.equal(r.members.length, 4, 'three partners and the seeker: a fourth would cost more than it adds')
        // The marginal gains add up to the objective (each rounded to 4 decimals).
        const sum = r.members.reduce((s, m) => s + m.gain.objective, 0)
        t.ok(Math.abs(sum - r.objective) <= 0.0005 * r.members.length, `gains ${sum} = objective ${r.objective}`)
        t.same(r.members.flatMap((m) => m.gain.covers).sort(), Object.keys(want.covers).sort(), 'each competency is the gain of exactly one member')
        t.ok(r.bound === undefined || r.bound >= r.objective - 1e-4, 'the bound is above the objective')
        t.equal(r.method, 'exact', 'a small pool is solved exactly')
      })
    }

    t.test('a proposal: its seeks are the competencies, its author organisation the seeker member', async (t) => {
      const put = await app.inject({ method: 'PUT', url: '/v1/proposals/q-it', payload: { kind: 'partnership_request', title: 'Fabbrica sicura e connessa', seeks: ['manutenzione predittiva', 'sicurezza informatica'], authorOrganizationId: 'it-seeker', version: 1 }, headers: auth('write') })
      t.equal(put.statusCode, 201)
      const r = await ok({ proposalId: 'q-it', size: 3 })
      t.match(r.members[0], { organizationId: 'it-seeker', role: 'seeker' })
      t.same(r.coverage.sought.map((s) => s.competency), ['manutenzione predittiva', 'sicurezza informatica'])
      t.same(r.coverage.uncovered, [])
      t.equal(r.members.length, 3)
      const given = await ok({ proposalId: 'q-it', size: 2, competencies: ['sensori IoT industriali'] })
      t.same(given.coverage.sought.map((s) => s.competency), ['sensori IoT industriali'], 'competencies given replace the proposal\'s seeks')
      t.ok(['it-iot', 'it-iot2'].includes(given.members[1]?.organizationId ?? ''))
    })

    t.test('an organisation group is stored by PUT and bulk import and read back; a bad one is refused', async (t) => {
      t.equal((await app.inject({ method: 'GET', url: '/v1/organizations/it-iot2', headers: auth('read') })).json().group, 'gruppo-rossi')
      const line = JSON.stringify({ op: 'upsert', kind: 'organizations', id: 'grp-bulk', record: { name: 'Bulk Group Member', kind: 'company', country: 'AT', group: 'holding-1' } })
      const bulk = await app.inject({ method: 'POST', url: '/v1/bulk', payload: line + '\n', headers: { ...auth('write'), 'content-type': 'application/x-ndjson' } })
      t.equal(bulk.json().created, 1)
      t.equal((await app.inject({ method: 'GET', url: '/v1/organizations/grp-bulk', headers: auth('read') })).json().group, 'holding-1')
      const bad = await app.inject({ method: 'PUT', url: '/v1/organizations/grp-bad', payload: { name: 'X', kind: 'company', country: 'IT', group: 'not a valid id!' }, headers: auth('write') })
      t.equal(bad.statusCode, 400)
      t.match(bad.json().problems, [{ field: 'body.group' }])
    })

    t.test('an organisation with a needs text and no needs: the concepts its text names are sought', async (t) => {
      const r = await ok({ organizationId: 'z-seeker' })
      const sought = r.coverage.sought.map((s) => s.competency.toLowerCase())
      t.ok(sought.includes('stampa 3d') && sought.some((s) => s.includes('gemello digitale')), `sought: ${sought}`)
      t.notOk(sought.some((s) => s.includes('fonderia') || s.includes('fusione')), 'neither its name nor its own competencies are sought')
      t.same(r.coverage.uncovered, [])
      t.ok(ids(r).includes('x-am') && ids(r).includes('x-dt'), `${ids(r)}`)
    })

    t.test('an organisation that names no sought competency: a team from ranking, collaborations and the rules', async (t) => {
      const r = await ok({ organizationId: 'it-wine', programme: 'H2020 LEIT', size: 3, rules: { minCountries: 2 } })
      t.same(r.coverage.sought, [], 'nothing sought')
      t.same(r.coverage.uncovered, [])
      t.equal(r.members[0]?.organizationId, 'it-wine', 'the seeker first')
      t.equal(r.members.length, 3, `${ids(r)}`)
      t.ok(r.members.every((m) => m.covers.length === 0), 'no member is said to cover anything')
      for (const rule of r.rules) t.ok(rule.met, `${rule.rule}: ${rule.actual} of ${rule.required}`)
    })

    t.test('free text: the concepts the text names are the sought competencies; no seeker member', async (t) => {
      const r = await ok({ text: 'Cerchiamo partner per stampa 3D e gemello digitale di un impianto', size: { min: 2, max: 4 } })
      t.ok(r.members.every((m) => m.role === 'proposed'))
      t.ok(ids(r).includes('x-am') && ids(r).includes('x-dt'), `${ids(r)}`)
      t.same(r.coverage.uncovered, [])
    })

    t.test('rules met when they can be: countries, EU countries, a research centre', async (t) => {
      const r = await ok({ organizationId: 'it-seeker', rules: { minCountries: 3, minEuCountries: 3, requiredKinds: [{ kind: 'research_centre' }] } })
      for (const rule of r.rules) t.ok(rule.met, `${rule.rule} ${rule.kind ?? ''}: ${rule.actual} of ${rule.required}`)
      t.ok(ids(r).includes('it-cyber2'), 'the research centre (DE) covers cybersecurity')
      t.ok(r.members.find((m) => m.organizationId === 'it-cyber2')?.gain.collaborations.includes('it-seeker'), 'it worked with the seeker: a collaboration gain')
      t.same(r.rules.map((x) => x.rule), ['size', 'minCountries', 'minEuCountries', 'requiredKind'])
    })

    t.test('rules that no team can meet are reported unmet, not dropped', async (t) => {
      const r = await ok({ organizationId: 'it-seeker', rules: { requiredKinds: [{ kind: 'public_body' }], minCountries: 5 }, size: { min: 3, max: 6 } })
      const kind = r.rules.find((x) => x.rule === 'requiredKind')
      t.match(kind, { kind: 'public_body', required: 1, actual: 0, met: false })
      const countries = r.rules.find((x) => x.rule === 'minCountries')
      t.ok(countries && countries.actual <= 5, `countries ${countries?.actual}`)
      t.equal(r.method, 'greedy', 'no team meets the rules: no optimum is claimed')
    })

    t.test('include and exclude are honoured', async (t) => {
      const r = await ok({ organizationId: 'en-seeker', include: ['en-wh2', 'it-wine'], exclude: ['en-wh'] })
      t.equal(r.members.find((m) => m.organizationId === 'en-wh2')?.role, 'included')
      t.equal(r.members.find((m) => m.organizationId === 'it-wine')?.role, 'included', 'an organisation included though it covers nothing')
      t.notOk(ids(r).includes('en-wh'))
      t.match(r.rules.find((x) => x.rule === 'include'), { required: 2, actual: 2, met: true })
      const excluded = await ok({ organizationId: 'it-seeker', exclude: ['it-pdm'] })
      t.notOk(ids(excluded).includes('it-pdm'))
      t.same(excluded.coverage.uncovered, ['manutenzione predittiva'], 'nobody else covers it: said so')
    })

    t.test('onePerGroup: no member of the seeker\'s own group', async (t) => {
      const free = await ok({ organizationId: 'it-seeker', exclude: ['it-iot'] })
      t.ok(ids(free).includes('it-iot2'), 'without the rule the group sibling covers IoT sensors')
      const r = await ok({ organizationId: 'it-seeker', exclude: ['it-iot'], rules: { onePerGroup: true } })
      t.notOk(ids(r).includes('it-iot2'))
      t.match(r.rules.find((x) => x.rule === 'onePerGroup'), { met: true, actual: 1 })
      t.ok(r.coverage.uncovered.includes('sensori IoT industriali'))
      const forced = await consortium({ organizationId: 'it-seeker', include: ['it-iot2'], rules: { onePerGroup: true } })
      t.equal(forced.statusCode, 400)
      t.match(forced.json().message, /body\.include .*one group/)
    })

    t.test('alternatives change coverage as stated', async (t) => {
      const r = await ok({ organizationId: 'it-seeker', rules: { minCountries: 2 } })
      const covers = new Map(r.members.map((m) => [m.organizationId, m.covers]))
      let checked = 0
      for (const m of r.members) {
        if (m.role !== 'proposed') { t.same(m.alternatives, []); continue }
        t.ok(m.alternatives.length >= 2 && m.alternatives.length <= 3, `${m.organizationId}: ${m.alternatives.length} alternatives`)
        const before = new Set([...covers.values()].flat())
        for (const a of m.alternatives) {
          const after = new Set([...r.members.filter((x) => x !== m).flatMap((x) => x.covers), ...a.covers])
          t.same(a.change.coverageGained, [...after].filter((c) => !before.has(c)).sort(), `${m.organizationId} → ${a.organizationId}: gained`)
          t.same([...a.change.coverageLost].sort(), [...before].filter((c) => !after.has(c)).sort(), `${m.organizationId} → ${a.organizationId}: lost`)
          t.ok(a.change.objective <= 1e-4, 'no swap improves an exact optimum')
          checked++
        }
      }
      const cyber = r.members.find((m) => m.covers.includes('sicurezza informatica'))
      const other = cyber?.alternatives.find((a) => a.covers.includes('sicurezza informatica'))
      t.ok(other, 'the other cybersecurity organisation is an alternative that keeps the coverage')
      t.same(other?.change.coverageLost, [])
      const loses = r.members.find((m) => m.organizationId === 'it-pdm')?.alternatives[0]
      t.same(loses?.change.coverageLost, ['manutenzione predittiva'], 'replacing the only one that covers it loses it')
      t.ok(checked > 0)
    })

    t.test('bad input: 400 naming the field, 404 naming the organisation', async (t) => {
      const cases: Array<[object, number, RegExp]> = [
        [{ organizationId: 'it-seeker', size: { min: 5, max: 3 } }, 400, /body\.size/],
        [{ organizationId: 'it-seeker', size: 1 }, 400, /size/],
        [{ organizationId: 'it-seeker', size: 21 }, 400, /size/],
        [{ organizationId: 'it-seeker', include: ['it-pdm'], exclude: ['it-pdm'] }, 400, /body\.include .*it-pdm/],
        [{ organizationId: 'it-seeker', include: ['nobody'] }, 404, /body\.include: organizations\/nobody/],
        [{ organizationId: 'it-seeker', exclude: ['nobody'] }, 404, /body\.exclude: organizations\/nobody/],
        [{ organizationId: 'it-seeker', size: 3, rules: { minCountries: 4 } }, 400, /body\.rules\.minCountries/],
        [{ organizationId: 'it-seeker', size: 3, rules: { minEuCountries: 4 } }, 400, /body\.rules\.minEuCountries/],
        [{ organizationId: 'it-seeker', size: 3, rules: { requiredKinds: [{ kind: 'university', min: 2 }, { kind: 'company', min: 2 }] } }, 400, /body\.rules\.requiredKinds/],
        [{ organizationId: 'it-seeker', size: 3, include: ['it-pdm'], rules: { minCountries: 3 } }, 400, /body\.rules\.minCountries/],
        [{ organizationId: 'it-seeker', size: 2, include: ['it-pdm', 'it-iot'] }, 400, /body\.include/],
        [{ organizationId: 'it-seeker', exclude: ['it-seeker'] }, 400, /body\.exclude/],
        [{ organizationId: 'it-seeker', text: 'sensori' }, 400, /exactly one/],
        [{ organizationId: 'it-seeker', alternatives: 4 }, 400, /alternatives/],
        [{ organizationId: 'it-seeker', rules: { minCountries: 2, maxCountries: 3 } }, 400, /rules/],
        [{ organizationId: 'nobody' }, 404, /organizations\/nobody/]
      ]
      for (const [payload, status, message] of cases) {
        const res = await consortium(payload)
        t.equal(res.statusCode, status, JSON.stringify(payload))
        t.match(res.json().message, message, res.json().message)
      }
    })
  })
}
