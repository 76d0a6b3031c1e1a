import t from 'tap'
import { defaultConcepts } from '../../src/concepts/concepts.ts'
import { MAX_TEXT_PHRASES, seekerFromText, textPhrases } from '../../src/match/seeker.ts'
import { EmbedderUnavailableError, type Embedder } from '../../src/ports/embedder.ts'

const concepts = defaultConcepts()
const spans = (text: string) => concepts.mentions(text).map((m) => m.text)

t.test('mentions: the spans of a text that name concepts, as written, with their offsets and concepts', async (t) => {
  const text = "Cerchiamo un partner per l'agricoltura di precisione e la manutenzione predittiva dei trattori, con sensori IoT."
  const found = concepts.mentions(text)
  t.same(found.map((m) => m.text), ['agricoltura di precisione', 'manutenzione predittiva', 'trattori', 'sensori IoT'], 'the longest labels, the elided article left out')
  for (const m of found) {
    t.equal(text.slice(m.start, m.end), m.text, `"${m.text}" at its offsets`)
    t.same(m.concepts, concepts.link(m.text).concepts.map((c) => c.id), `"${m.text}": the concepts the span names on its own`)
    t.ok(m.concepts.length > 0)
  }
  t.ok(found[0]?.concepts.includes(concepts.link('precision agriculture').concepts[0]?.id as string), 'agricoltura di precisione is precision agriculture')
  t.same(spans('we need predictive maintenance and an LCA of our packaging'), ['predictive maintenance', 'LCA', 'packaging'], 'English, acronyms as written')
  t.same(spans('xqzvtrwplk blorft'), [], 'nonsense mentions nothing')
  t.same(spans(''), [])
})

t.test('mentions never cross a comma, a full stop or a bracket', async (t) => {
  // "manutenzione predittiva" is a label; split by punctuation, the words are not one span.
  t.same(spans('manutenzione, predittiva'), [])
  t.same(spans('manutenzione. Predittiva'), [])
  t.same(spans('manutenzione (predittiva)'), [])
  t.same(spans('manutenzione predittiva'), ['manutenzione predittiva'])
})

t.test('text phrases: generic single words, stem-alikes and lower-case product names are no phrases', async (t) => {
  const cases: Array<[string, string[]]> = [
    // Who is writing or who is wanted, not what is sought.
    ['a startup looking for a university partner in genomics', ['genomics']],
    // "training" only stems like "trains" (rolling stock); "market" like "marketing".
    ['training for our staff on market analysis', ['market analysis']],
    // "access" is Microsoft Access only written so; "design" is what "design for all" keeps of its words.
    ['access to new tools', []],
    ['we need Ruby developers', ['Ruby']],
    ['AI for IoT devices', ['AI', 'IoT devices']],
    // Two labels' words joined by "and" are not one span ("machine design").
    ['machines and design', []]
  ]
  for (const [text, want] of cases) t.same(textPhrases(text, []), want, text)
})

t.test('text phrases: a wanted competency stays, the text adds what it does not name, once each', async (t) => {
  t.same(textPhrases('cerchiamo esperti di manutenzione predittiva e di robotica collaborativa', ['predictive maintenance']), ['robotica collaborativa'], 'the same concept as a wanted competency is not repeated')
  t.same(textPhrases('robotica collaborativa: robot collaborativi per le linee', []), ['robotica collaborativa'], 'the same concept twice in the text: once')
  t.same(textPhrases('Computer vision', ['computer vision']), [], 'the same words as a wanted competency')
  const long = Array.from({ length: 20 }, (_, i) => ['genomica', 'robotica collaborativa', 'manutenzione predittiva', 'agricoltura di precisione', 'telemedicina', 'economia circolare', 'stampa 3D', 'cybersecurity', 'blockchain', 'viticoltura', 'droni', 'fotovoltaico'][i % 12]).join(', ')
  t.ok(textPhrases(long, []).length <= MAX_TEXT_PHRASES, 'at most MAX_TEXT_PHRASES')
})

t.test('a free-text seeker seeks its wanted competencies, then its text phrases', async (t) => {
  const off: Embedder = {
    model: null,
    dimensions: 384,
    available: false,
    embed: async () => { throw new EmbedderUnavailableError('no model') },
    health: async () => ({ part: 'embedder', status: 'down', detail: 'no model' }) as never,
    close: async () => {}
  }
  const seeker = await seekerFromText('partner per la robotica collaborativa e la manutenzione predittiva', ['IoT sensors'], off)
  t.same(seeker.seeks.map((p) => p.text), ['IoT sensors', 'robotica collaborativa', 'manutenzione predittiva'])
  t.equal(seeker.texts.needs, 'partner per la robotica collaborativa e la manutenzione predittiva. IoT sensors', 'the text searched is the text and the wanted competencies, as before')
})
