import t from 'tap'
import { defaultConcepts } from '../../src/concepts/concepts.ts'

const concepts = defaultConcepts()
const ids = (p: string) => concepts.link(p).concepts.map((c) => c.id)
const shares = (a: string, b: string) => concepts.evidence(a, b)

t.test('a phrase links to the same concept in Italian and English, whatever its number, articles and elisions', async (t) => {
  const pairs: Array<[string, string]> = [
    ['manutenzione predittiva', 'predictive maintenance'],
    ['manutenzioni predittive', 'Predictive Maintenance'],
    ["l'agricoltura di precisione", 'precision agriculture'],
    ['stampa 3D', 'additive manufacturing'],
    ['trattamento delle acque reflue', 'wastewater treatment'],
    ['trasferimento tecnologico', 'technology transfer'],
    ['genomica', 'genomics'],
    ['parità di genere', 'gender equality'],
    ['valutazione del ciclo di vita', 'life cycle assessment'],
    ['apprendimento automatico', 'machine learning']
  ]
  for (const [it, en] of pairs) {
    const e = shares(it, en)
    t.equal(e?.relation, 'same', `«${it}» = «${en}» (${ids(it).join(', ')} / ${ids(en).join(', ')})`)
    t.equal(concepts.link(it).lang, 'it', `«${it}» is Italian`)
  }
})

t.test('a concept inside a longer phrase is found; look-alikes with other meanings are not linked', async (t) => {
  t.equal(shares('manutenzione predittiva degli impianti eolici', 'predictive maintenance')?.relation, 'same')
  const apart: Array<[string, string]> = [
    ['agricoltura di precisione', 'lavorazioni meccaniche di precisione'],
    ['genomica', 'parità di genere'],
    ['trasferimento tecnologico', 'trattamento delle acque reflue'],
    ['reti neurali', 'reti di telecomunicazioni']
  ]
  for (const [a, b] of apart) {
    const e = shares(a, b)
    t.ok(e === null || e.relation !== 'same', `«${a}» and «${b}» are not one concept: ${JSON.stringify(e)}`)
  }
  // Acronyms match only as written: the Italian "dei" is not DEI (diversity, equity and inclusion).
  t.same(ids('previsione dei guasti delle macchine').filter((id) => id.includes('diversity')), [])
  t.same(ids('xqzvtrwplk'), [], 'nonsense links to nothing')
})

t.test('labels that stem alike are told apart by the words as written', async (t) => {
  // The English stemmer makes "hospitality" and "hospitals" one word ("hospit"), "testing" of
  // penetration testing and of non-destructive testing one key: the concept whose label is written so wins.
  const apart: Array<[string, string]> = [
    ['hospitality management', 'hospital management'],
    ['hospitality', 'hospitals'],
    ['gestione ospedaliera', 'hospitality management']
  ]
  for (const [a, b] of apart) {
    const e = shares(a, b)
    t.ok(e === null || e.relation !== 'same', `«${a}» and «${b}» are not one concept: ${JSON.stringify(e)}`)
  }
  // Plurals and final vowels still meet.
  for (const [a, b] of [['hospitals', 'hospital'], ['ospedali', 'hospital'], ['gestione alberghiera', 'hotel management']] as const) {
    t.equal(shares(a, b)?.relation, 'same', `«${a}» and «${b}» are one concept`)
  }
})

t.test('type-ahead finds concepts by the start of a label in either language', async (t) => {
  const it = concepts.suggest('manutenzione pred', 'it', 5)
  t.ok(it.some((c) => c.labels.en.includes('predictive maintenance')), JSON.stringify(it.map((c) => c.label)))
  t.equal(it[0]?.label, 'manutenzione predittiva', 'shown in Italian')
  const en = concepts.suggest('wastewater', 'en', 5)
  t.ok(en.some((c) => c.id === 'oi:wastewater-treatment'), JSON.stringify(en.map((c) => c.label)))
  t.same(concepts.suggest('   ', 'it', 5), [])
})
