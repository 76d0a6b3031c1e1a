/**
 * The console says the service's reasons in Italian (console/src/reasons.ts). The sentences checked
 * are the ones the service really wrote: every reason in the README tour's answers, which
 * test/demo/readme-tour.test.ts compares with a fresh demo start. A reason left in English inside an
 * Italian page is a failure here.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { readmeExamples } from '../helpers/readme-examples.ts'
import { localReason } from '../../console/src/reasons.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const sentences = new Set<string>()
for (const example of readmeExamples(readme)) {
  for (const line of example.expected) {
    if (!line.startsWith('{')) continue
    const answer = JSON.parse(line) as { why?: unknown }
    if (Array.isArray(answer.why)) for (const s of answer.why) sentences.add(String(s))
  }
}
// The seeker's own line in a consortium's members (src/match/consortium/consortium-builder.ts).
sentences.add('The organisation the consortium is built for')

t.ok(sentences.size >= 10, `${sentences.size} distinct reasons read from the README tour`)
t.ok([...sentences].some((s) => s.includes(', same concept)')), 'the tour holds a reason across languages (same concept)')
// What the console's rewrite leaves of the English wording (quoted phrases aside: they are the records' own words).
const ENGLISH = /\b(match|for|your|same concept|related concept|Has|Seeks|Needs|Matches|In your|Same|organisation)\b/

for (const sentence of sentences) {
  const it = localReason(sentence, 'it')
  const outsideQuotes = it.text.replace(/«[^»]*»/g, '«…»')
  t.equal(it.lang, 'it', `rewritten in Italian: ${sentence}`)
  t.notMatch(outsideQuotes, ENGLISH, `no English left: ${it.text}`)
  t.equal(localReason(sentence, 'en').text, sentence, 'English as the service wrote it')
}

t.equal(localReason('Has what you seek: "additive manufacturing" (for "stampa 3D", strong match, same concept)', 'it').text,
  'Ha ciò che cercate: «additive manufacturing» (per «stampa 3D», corrispondenza forte, stesso concetto)')
