import t from 'tap'
import { detectLanguage } from '../../src/search/language.ts'
import { indexFields } from '../../indexers/document.ts'

t.test('detectLanguage tells Italian from English by function words, and says so when it cannot', async (t) => {
  t.equal(detectLanguage('Il progetto è stato finanziato dalla regione per il recupero del litio dalle batterie usate.'), 'it')
  t.equal(detectLanguage('The project was funded by the region and it recovers lithium from used batteries.'), 'en')
  t.equal(detectLanguage('Robotica collaborativa'), null, 'too short to tell')
  t.equal(detectLanguage('Machine learning, IoT, cloud'), null, 'no function words')
  t.equal(detectLanguage('The il of di and che'), null, 'mixed evenly')
})

t.test('a record\'s texts go to the search field of its language only', async (t) => {
  const en = indexFields('content', 'c1', 1, { type: 'news', title: 'Battery recycling', text: 'The project recovers lithium from the batteries of electric cars.' }, '2026-01-01T00:00:00Z', null)
  t.match(en, { lang: 'en', search_en: 'Battery recycling. The project recovers lithium from the batteries of electric cars.' })
  t.notOk('search_it' in en)
  const it = indexFields('organizations', 'o1', 1, { name: 'Meccanica Brianza', kind: 'company', country: 'IT', description: 'Progettiamo e costruiamo macchine per la lavorazione del legno.', competencies: ['fresatura'] }, '2026-01-01T00:00:00Z', null)
  t.match(it, { lang: 'it', search_it: /^Meccanica Brianza\. Progettiamo .*\. fresatura$/ })
  t.notOk('search_en' in it)
  const given = indexFields('content', 'c2', 1, { type: 'news', title: 'Industria 4.0', text: 'The of the and', lang: 'it' }, '2026-01-01T00:00:00Z', null)
  t.equal(given.lang, 'it', 'a record\'s own lang wins over detection')
  const unknown = indexFields('communities', 'k1', 1, { title: 'Robotica', tags: ['AI'] }, '2026-01-01T00:00:00Z', null)
  t.ok(unknown.search_en && unknown.search_it && !('lang' in unknown), 'too short to tell: analysed both ways')
})
