import t from 'tap'
import { auth, testApp } from '../helpers/app.ts'

// POST /v1/concepts/link: what the console shows on profiles, and what a portal can tag records with.
// Italian, English and the two mixed; labels in the language asked for; bad input refused by field.

t.test('POST /v1/concepts/link names each phrase\'s concepts, in either language', async (t) => {
  const app = await testApp(t)
  const link = (payload: object, scope: 'read' | 'write' = 'read') => app.inject({ method: 'POST', url: '/v1/concepts/link', headers: auth(scope), payload })

  const res = await link({ phrases: ['manutenzione predittiva', 'predictive maintenance of trains', 'stampa 3D', 'xqzvtrwplk'], lang: 'en' })
  t.equal(res.statusCode, 200)
  const [it, en, print, none] = res.json().results as Array<{ phrase: string, lang: string | null, concepts: Array<{ id: string, label: string, central: boolean, coverage: number }> }>
  t.equal(it?.lang, 'it')
  t.equal(en?.lang, 'en')
  t.equal(it?.concepts[0]?.label, 'predictive maintenance', 'an Italian phrase, labelled in English')
  t.equal(it?.concepts[0]?.id, en?.concepts[0]?.id, 'the Italian and the English phrase name the same concept')
  t.ok(it?.concepts[0]?.central && en?.concepts[0]?.central, 'at the heart of both')
  t.equal(print?.concepts[0]?.id, 'oi:additive-manufacturing', '"stampa 3D" names additive manufacturing')
  t.same(none?.concepts, [], 'nonsense names nothing')
  t.equal(none?.phrase, 'xqzvtrwplk', 'each result says its phrase')

  const italian = await link({ phrases: ['additive manufacturing'] })
  t.equal(italian.json().results[0].concepts[0].label, 'manifattura additiva', 'Italian labels by default')

  // A concept inside a longer phrase is named, but not as its heart.
  const inside = await link({ phrases: ['ottimizzazione della logistica per la manutenzione predittiva dei treni ad alta velocità'], lang: 'en' })
  const concepts = inside.json().results[0].concepts as Array<{ label: string, central: boolean, coverage: number }>
  const pm = concepts.find((c) => c.label === 'predictive maintenance')
  t.ok(pm, 'predictive maintenance is named inside the longer phrase')
  t.equal(pm?.central, false, 'but it is not what the phrase is about')
  t.ok((pm?.coverage ?? 1) < 0.5, 'it takes less than half of the phrase\'s words')

  for (const [payload, field] of [[{}, 'phrases'], [{ phrases: [] }, 'phrases'], [{ phrases: [''] }, 'phrases'], [{ phrases: ['x'], lang: 'fr' }, 'lang'], [{ phrases: ['x'], extra: 1 }, 'extra']] as const) {
    const bad = await link(payload)
    t.equal(bad.statusCode, 400, `${JSON.stringify(payload)} is refused`)
    t.match(bad.json().message, new RegExp(field), `the message names ${field}`)
  }
  const unauthorised = await app.inject({ method: 'POST', url: '/v1/concepts/link', payload: { phrases: ['x'] } })
  t.equal(unauthorised.statusCode, 401, 'a key is needed')
})
