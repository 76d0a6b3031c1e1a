import { english, italian } from '../search/embedded/analyzers.ts'
import type { Lang } from './termbase.ts'

/**
 * A phrase as the linker compares it: its content words in one language's analysis (stop words,
 * articles and elisions gone, stemmed), accents folded. Italian words also lose their last vowel, so
 * that singular and plural meet where the light stemmer leaves them apart ("rete" / "reti",
 * "sensore" / "sensori").
 */
export function phraseTokens (text: string, lang: Lang): string[] {
  const out: string[] = []
  // The other language's function words are stopped too: a phrase's language is not known beforehand.
  const other = lang === 'it' ? ENGLISH_FUNCTION : ITALIAN_FUNCTION
  // An acronym ("AI", "IT", "PA") is kept whole: lower-cased it would be a function word ("ai" in
  // Italian, "it" in English) and vanish, leaving a label shorter than it is.
  // Hyphenated compounds are one word ("e-government", "end-of-life"): apart, their parts would be
  // function words or generic words of their own.
  const kept = (text.replace(NEGATION, ' non0 ').replace(/(\p{L})-(?=\p{L})/gu, '$1').match(/[\p{L}\p{N}'’.]+/gu) ?? [])
    // "dell'IA": the elided article apart, so the acronym after it is seen.
    .flatMap((w) => { const m = /^(\p{L}+['’])(.+)$/u.exec(w); return m ? [m[1] as string, m[2] as string] : [w] })
    .filter((w) => ACRONYM.test(w) || !other.has(w.toLowerCase()))
    .map((w) => ACRONYM.test(w) ? `${w.toLowerCase()}0` : w).join(' ')
  for (const t of (lang === 'it' ? italian : english)(kept)) {
    let w = fold(t)
    if (lang === 'it' && w.length > 3) w = w.replace(/[aeiou]$/, '')
    if (w) out.push(w)
  }
  return out
}

function fold (s: string): string {
  return s.normalize('NFD').replace(/\p{M}+/gu, '').replace(/[.’']/g, '')
}

/** The words of a text, lower-cased and folded: what the language guess reads. */
export function plainWords (text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map(fold)
}

const ITALIAN_FUNCTION = new Set("l' dell' nell' all' dall' sull' un' d' c' quest' il lo la gli le di del dello della dei degli delle al allo alla ai agli alle dal dalla dai dalle nel nella nei nelle sul sulla sui sulle con per tra fra e ed o un uno una che".split(' '))
const ENGLISH_FUNCTION = new Set('the of and to for with on by from at or an'.split(' '))

/** Two capitals or more in a word of up to six characters: an acronym. */
const ACRONYM = /^(?=(?:.*\p{Lu}){2})[\p{L}\p{N}]{2,6}$/u

/** Negations stay ("trattamenti non termici" is not "trattamenti termici"): both analyzers would drop them. */
const NEGATION = /(?<![\p{L}\p{N}])(non|not|senza|without)(?![\p{L}\p{N}])/giu

/**
 * How many content words a label has (three letters or more, not an article or preposition): a
 * label whose analysis keeps fewer has lost a word to a stop list ("stato sociale" would be "sociale",
 * "turismo per tutti" "turismo") and is not indexed in that analysis.
 */
export function contentWordCount (label: string): number {
  let n = 0
  for (const w of plainWords(label.replace(/(\p{L})-(?=\p{L})/gu, '$1'))) {
    if (w.length >= 3 && !ITALIAN_FUNCTION.has(w) && !ENGLISH_FUNCTION.has(w) && !ELIDED.has(w)) n++
  }
  return n
}

const ELIDED = new Set(['dell', 'nell', 'dall', 'sull', 'all', 'quest', 'degl', 'negl', 'sugl', 'dagl'])
