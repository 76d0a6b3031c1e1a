/** The languages texts are analysed in (Elasticsearch's `english` and `italian` analyzers; the embedded index's twins). */
export type Language = 'it' | 'en'

// Frequent function words of one language that are not words of the other (so "a", "in", "e",
// "i", "o", "per" and "no" count for neither). A record's text is analysed in the language whose
// words it uses more, when they are enough to tell; otherwise in both.
const ITALIAN = new Set(('il lo la gli le di del dello della dei degli delle al allo alla ai agli alle dal dalla dai dalle nel nella ' +
  'nei nelle sul sulla sui sulle che è sono non con una uno un della questo questa questi queste anche più come ' +
  'tra fra ed essere stato stata hanno ha suo sua loro nostro nostra dove quando perché ogni attività sviluppo ' +
  'progetto progetti nostri tecnologie ricerca servizi').split(' '))
const ENGLISH = new Set(('the of and to is are for with that on by as this be was were an from at which or it we our ' +
  'has have not can their these been its than between after has had using used also such more both during ' +
  'into other may all two who these those whether however').split(' '))

const WORD = /[\p{L}]+/gu

/**
 * The language of a text by its function words: 'it' or 'en' when one language has at least
 * `minWords` of them and twice the other's, else null (too short or mixed: analyse in both).
 */
export function detectLanguage (text: string, minWords = 2): Language | null {
  let it = 0
  let en = 0
  for (const raw of text.match(WORD) ?? []) {
    const w = raw.toLowerCase()
    if (ITALIAN.has(w)) it++
    else if (ENGLISH.has(w)) en++
  }
  if (it >= minWords && it >= 2 * en) return 'it'
  if (en >= minWords && en >= 2 * it) return 'en'
  return null
}
