import t from 'tap'
import { auth, eventually } from '../helpers/app.ts'
import { backendApp, BACKENDS } from '../helpers/backend-app.ts'

interface Rec { kind: string, id: string, reasons: { matchedInterests: unknown[], matchedExpertise: unknown[], summary: string[] } }

/**
 * The kinds on one page: two people (one Italian, one English), each with many proposals that fit
 * them (so that proposals would fill every place on one scale), communities and content that fit in
 * their own language and across (the same concept in the other language), and communities that share
 * only their S3 area (which must never be recommended). Topics: manufacturing (maintenance,
 * robotics, vision) and batteries (recycling, storage); distractors on space, wine and tourism.
 */
const PEOPLE: Array<[string, object]> = [
  ['it1', { name: 'Chiara', lang: 'it', interests: ['manutenzione predittiva', 'robotica collaborativa'], expertise: ['visione artificiale'], s3Areas: ['Manifattura avanzata'] }],
  ['en1', { name: 'Sarah', lang: 'en', interests: ['battery recycling'], expertise: ['energy storage systems'], s3Areas: ['Eco-industria'] }]
]
const manufacturing = ['manutenzione predittiva degli impianti', 'robotica collaborativa in linea', 'ispezione con visione artificiale', 'robot collaborativi per la saldatura', 'manutenzione predittiva delle presse', 'visione artificiale per il controllo qualità', 'cobot per il packaging', 'manutenzione predittiva dei motori', 'robotica collaborativa per la logistica', 'visione artificiale per la robotica', 'monitoraggio predittivo delle macchine', 'robot collaborativi in ospedale']
const batteries = ['battery recycling pilot plant', 'second-life battery storage', 'battery recycling for e-bikes', 'energy storage systems for grids', 'recycling lithium batteries', 'battery recycling logistics', 'energy storage systems for homes', 'black mass processing', 'battery recycling standards', 'energy storage systems in factories', 'recovery of battery materials', 'battery recycling consortium']
const PROPOSALS: Array<[string, object]> = [
  ...manufacturing.map((title, i): [string, object] => [`pm${i}`, { kind: 'collaboration', lang: 'it', title: `Progetto: ${title}`, body: `Cerchiamo partner per ${title}.`, seeks: ['visione artificiale'], offers: [i % 2 ? 'robotica collaborativa' : 'manutenzione predittiva'], s3Areas: ['Manifattura avanzata'] }]),
  ...batteries.map((title, i): [string, object] => [`pb${i}`, { kind: 'collaboration', lang: 'en', title: `Project: ${title}`, body: `We look for partners on ${title}.`, seeks: ['energy storage systems'], offers: ['battery recycling'], s3Areas: ['Eco-industria'] }])
]
const COMMUNITIES: Array<[string, object]> = [
  ['c-maint-en', { title: 'Predictive maintenance practitioners', lang: 'en', text: 'Engineers sharing predictive maintenance use cases.', tags: ['predictive maintenance'], s3Areas: ['Manifattura avanzata'] }],
  ['c-batt-it', { title: 'Tavolo tematico riciclo delle batterie', lang: 'it', text: 'Imprese e centri di ricerca sul riciclo delle batterie al litio.', tags: ['riciclo delle batterie'], s3Areas: ['Eco-industria'] }],
  ['c-space', { title: 'Space economy', lang: 'it', text: 'Satelliti, osservazione della terra e servizi spaziali.', tags: ['satelliti', 'osservazione della terra'], s3Areas: ['Manifattura avanzata', 'Eco-industria'] }],
  ['c-wine', { title: 'Enoturismo lombardo', lang: 'it', text: 'Cantine e turismo del vino.', tags: ['enoturismo'], s3Areas: ['Manifattura avanzata', 'Eco-industria'] }]
]
const CONTENT: Array<[string, object]> = [
  ['n-robot-it', { type: 'news', lang: 'it', title: 'Webinar: robotica collaborativa in fabbrica', text: 'Un webinar sui cobot nelle PMI.', tags: ['robotica collaborativa'], date: '2026-11-20' }],
  ['n-vision-en', { type: 'discussion', lang: 'en', title: 'Computer vision for quality inspection: which cameras?', text: 'Which cameras do you use for inline inspection?', tags: ['computer vision'], date: '2026-11-25' }],
  ['n-storage-it', { type: 'news', lang: 'it', title: 'Nuovi sistemi di accumulo per le comunità energetiche', text: 'Bando regionale per sistemi di accumulo.', tags: ['sistemi di accumulo'], date: '2026-11-22' }],
  ['n-wine', { type: 'news', lang: 'it', title: 'Vendemmia 2026 in Franciacorta', text: 'Una buona annata per le cantine.', tags: ['viticoltura'], date: '2026-11-28' }]
]

for (const backend of BACKENDS) {
  t.test(`recommendations use all their kinds, on ${backend}`, async (t) => {
    const app = await backendApp(t, backend)
    if (!app) return
    const put = (kind: string, id: string, body: object) => app.inject({ method: 'PUT', url: `/v1/${kind}/${id}`, payload: { ...body, version: 1 }, headers: auth('write') })
    for (const [id, body] of PEOPLE) t.equal((await put('people', id, body)).statusCode, 201)
    for (const [id, body] of PROPOSALS) t.equal((await put('proposals', id, body)).statusCode, 201)
    for (const [id, body] of COMMUNITIES) t.equal((await put('communities', id, body)).statusCode, 201)
    for (const [id, body] of CONTENT) t.equal((await put('content', id, body)).statusCode, 201)
    await eventually(async () => (await app.parts.searchIndex.count('proposals')) === PROPOSALS.length && (await app.parts.searchIndex.count('communities')) === COMMUNITIES.length && (await app.parts.searchIndex.count('content')) === CONTENT.length, 120_000, 'indexed')
    const recs = async (person: string, query: string) => {
      const res = await app.inject({ method: 'GET', url: `/v1/people/${person}/recommendations?${query}`, headers: auth('read') })
      t.equal(res.statusCode, 200, res.body.slice(0, 200))
      return res.json() as { results: Rec[], nextCursor: string | null }
    }

    const cases: Array<{ person: string, language: string, community: string, content: string }> = [
      { person: 'it1', language: 'Italian person', community: 'c-maint-en', content: 'n-robot-it' },
      { person: 'en1', language: 'English person', community: 'c-batt-it', content: 'n-storage-it' }
    ]
    for (const c of cases) {
      t.test(`${c.language}: a first page of ten holds proposals, a community and a content item that fit`, async (t) => {
        const page = (await recs(c.person, 'limit=10')).results
        const kinds = page.map((r) => r.kind)
        t.ok(kinds.filter((k) => k === 'proposals').length >= 6, `proposals first: ${kinds}`)
        t.ok(page.some((r) => r.id === c.community), `the community that fits: ${page.map((r) => r.id)}`)
        t.ok(page.some((r) => r.kind === 'content'), 'a content item')
        for (const r of page.filter((r) => r.kind !== 'proposals')) {
          t.ok(r.reasons.matchedInterests.length + r.reasons.matchedExpertise.length > 0, `${r.id} says which of your fields it meets: ${r.reasons.summary.join('; ')}`)
        }
      })
      t.test(`${c.language}: communities and content on their own fit the person's fields, never on S3 area alone`, async (t) => {
        const all = (await recs(c.person, 'kinds=communities,content&limit=50')).results
        const ids = all.map((r) => r.id)
        t.ok(ids.includes(c.community) && ids.includes(c.content), `the fitting ones, across languages too: ${ids}`)
        for (const gone of ['c-space', 'c-wine', 'n-wine']) t.notOk(ids.includes(gone), `${gone} shares only an S3 area (or nothing): not recommended`)
      })
    }

    t.test('across languages: the Italian person gets the English community and discussion by concept', async (t) => {
      const all = (await recs('it1', 'kinds=communities,content&limit=50')).results
      const maint = all.find((r) => r.id === 'c-maint-en')
      t.match(maint?.reasons.summary.join(' '), /Matches your interests: "predictive maintenance" \(for "manutenzione predittiva", strong match, same concept\)/)
      const vision = all.find((r) => r.id === 'n-vision-en')
      t.match(vision?.reasons.summary.join(' '), /Matches your expertise: "computer vision" \(for "visione artificiale", strong match, same concept\)/)
      t.notOk(all.some((r) => r.id === 'c-batt-it' || r.id === 'n-storage-it'), 'nothing on batteries for a manufacturing person')
    })

    t.test('cursor pages are the same list as one long page', async (t) => {
      const long = (await recs('it1', 'limit=24')).results.map((r) => r.id)
      const paged: string[] = []
      let cursor: string | null = null
      for (let i = 0; i < 8; i++) {
        const page: { results: Rec[], nextCursor: string | null } = await recs('it1', `limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        paged.push(...page.results.map((r) => r.id))
        cursor = page.nextCursor
        if (!cursor) break
      }
      t.same(paged, long.slice(0, paged.length), 'pages of three add up to the long page')
      t.ok(paged.length >= 18, `several pages (${paged.length})`)
    })
  })
}
