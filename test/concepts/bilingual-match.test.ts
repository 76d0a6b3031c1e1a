import t from 'tap'
import { backendApp } from '../helpers/backend-app.ts'
import { auth, eventually } from '../helpers/app.ts'

// Matching in Italian, in English and across the two, through the routes, on both backends:
// the same concept in two languages is found and stated; look-alikes and nonsense are not.
const ORGS: Array<[string, string]> = [
  ['am-en', 'additive manufacturing'],
  ['am-it', 'stampa 3D di prototipi'],
  ['ww-en', 'wastewater treatment'],
  ['tt-it', 'trasferimento tecnologico'],
  ['pm-en', 'precision machining'],
  ['ge-it', 'parità di genere'],
  ['pa-it', 'agricoltura di precisione'],
  ['gn-en', 'genomics']
]

for (const backend of ['embedded', 'elasticsearch'] as const) {
  t.test(`partner match, search and type-ahead across Italian and English (${backend})`, async (t) => {
    const app = await backendApp(t, backend)
    if (!app) return
    for (const [id, phrase] of ORGS) {
      const res = await app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload: { name: `Org ${id}`, kind: 'company', country: 'IT', competencies: [phrase], version: 1 }, headers: auth('write') })
      t.equal(res.statusCode, 201)
    }
    await eventually(async () => {
      await app.parts.searchIndex.refresh()
      return (await app.parts.searchIndex.count('organizations')) === ORGS.length
    }, 60_000, 'indexed')
    const match = async (q: string) => {
      const res = await app.inject({ method: 'POST', url: '/v1/match/partners', payload: { text: q, competencies: [q], limit: 20 }, headers: auth('read') })
      t.equal(res.statusCode, 200)
      return res.json().results as Array<{ id: string, reasons: { matched: Array<{ matched: string, strength: string, evidence?: string, concept?: string }>, summary: string[] } }>
    }

    for (const [query, expected] of [['manifattura additiva', ['am-en', 'am-it']], ['3D printing', ['am-en', 'am-it']], ['valorizzazione della ricerca', []], ['genomica', ['gn-en']], ['precision farming', ['pa-it']]] as const) {
      const results = await match(query)
      const stated = results.filter((r) => r.reasons.matched.length > 0).map((r) => r.id).sort()
      t.same(stated, [...expected].sort(), `«${query}»: reasons stated for ${stated.join(', ') || 'none'}`)
      for (const id of expected) {
        const r = results.find((x) => x.id === id)
        t.ok(results.indexOf(r as never) < expected.length, `«${query}»: ${id} in the top ${expected.length}`)
        t.equal(r?.reasons.matched[0]?.evidence, 'concept', `«${query}» → «${r?.reasons.matched[0]?.matched}»: the same concept`)
        t.match(r?.reasons.summary[0], /same concept/)
      }
    }

    const byId = await app.inject({ method: 'POST', url: '/v1/match/partners', payload: { text: 'partner per prototipi', competencies: ['oi:additive-manufacturing'], limit: 5 }, headers: auth('read') })
    const stated = (byId.json().results as Array<{ id: string, reasons: { matched: Array<{ sought: string, evidence?: string }> } }>).filter((r) => r.reasons.matched.length > 0)
    t.same(stated.map((r) => r.id).sort(), ['am-en', 'am-it'], 'a concept id is accepted where a competency is')
    t.equal(stated[0]?.reasons.matched[0]?.sought, 'manifattura additiva', 'and stated by its label')

    const nonsense = await match('xqzvtrwplk')
    t.same(nonsense, [], 'a nonsense query finds nothing')

    const search = await app.inject({ method: 'GET', url: '/v1/search?kinds=organizations&q=stampa%203D', headers: auth('read') })
    const ids = (search.json().results as Array<{ id: string }>).map((r) => r.id)
    t.ok(ids.includes('am-en'), `search «stampa 3D» finds the English record through its concept: ${ids.join(', ')}`)
    const faceted = await app.inject({ method: 'GET', url: '/v1/search?kinds=organizations&q=manifattura%20additiva&facets=concepts&lang=it', headers: auth('read') })
    const am = (faceted.json().facets.concepts as Array<{ value: string, count: number, label: string }>).find((f) => f.value === 'oi:additive-manufacturing')
    t.same(am, { value: 'oi:additive-manufacturing', count: 2, label: 'manifattura additiva' }, 'facet by concept, counted across languages, labelled in the language asked for')
    const none = await app.inject({ method: 'GET', url: '/v1/search?kinds=organizations&q=xqzvtrwplk', headers: auth('read') })
    t.same(none.json().results, [], 'search for nonsense finds nothing')
    t.match(none.json().notice, /no close match/)

    const typeahead = await app.inject({ method: 'GET', url: '/v1/concepts?q=manifattura%20add&lang=en', headers: auth('read') })
    t.equal(typeahead.statusCode, 200)
    const first = typeahead.json().results[0]
    t.equal(first.id, 'oi:additive-manufacturing')
    t.equal(first.label, 'additive manufacturing', 'labelled in the language asked for')
    const one = await app.inject({ method: 'GET', url: `/v1/concepts/${encodeURIComponent(first.id)}?lang=it`, headers: auth('read') })
    t.equal(one.json().label, 'manifattura additiva')
    const missing = await app.inject({ method: 'GET', url: '/v1/concepts/oi%3Anothing-here', headers: auth('read') })
    t.equal(missing.statusCode, 404)
    t.equal(missing.json().code, 'CONCEPT_NOT_FOUND')
    const bad = await app.inject({ method: 'GET', url: '/v1/concepts', headers: auth('read') })
    t.equal(bad.statusCode, 400)
    t.match(bad.json().message, /q/)
  })
}
