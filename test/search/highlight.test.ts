import t from 'tap'
import { highlight } from '../../src/search/highlight.ts'

t.test('function words are never marked, in either language', async (t) => {
  // "per" and "il" are not English stop words: analysed as English they once matched themselves.
  t.equal(highlight('Collaborazione su sistemi MES per il packaging industriale', 'macchine per il packaging'),
    'Collaborazione su sistemi MES per il <em>packaging</em> industriale')
  t.equal(highlight('Data for the machines of the plant', 'the machine for data'), '<em>Data</em> for the <em>machines</em> of the plant')
  t.equal(highlight('Macchine per il packaging', 'per il'), null, 'a query of function words alone marks nothing')
})

t.test('a text that fits the fragment comes whole, never cut in front', async (t) => {
  t.equal(highlight('Offerta tecnologica: automazione industriale per la produzione di macchine utensili', 'macchine'),
    'Offerta tecnologica: automazione industriale per la produzione di <em>macchine</em> utensili')
  const long = 'Premessa. '.repeat(30) + 'Qui si parla di batterie al litio e del loro riciclo.'
  const fragment = highlight(long, 'riciclo batterie') as string
  t.match(fragment, /^…/, 'a long text is cut to a fragment around the matches')
  t.match(fragment, /<em>batterie<\/em> al litio e del loro <em>riciclo<\/em>\.$/, 'filled up to the end of the text')
  t.ok(fragment.replace(/<\/?em>/g, '').length >= 150, 'the fragment is a full window, but for the word it starts after')
})
