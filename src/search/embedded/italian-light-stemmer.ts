// Savoy's light stemmer for Italian, the algorithm behind Elasticsearch's `italian` analyzer
// (Lucene's ItalianLightStemFilter). Hand-written: no npm package implements this light variant, and
// the embedded index must stem as Elasticsearch does to rank the same documents first.

const ACCENTS: Record<string, string> = {
  à: 'a',
  á: 'a',
  â: 'a',
  ä: 'a',
  ò: 'o',
  ó: 'o',
  ô: 'o',
  ö: 'o',
  è: 'e',
  é: 'e',
  ê: 'e',
  ë: 'e',
  ù: 'u',
  ú: 'u',
  û: 'u',
  ü: 'u',
  ì: 'i',
  í: 'i',
  î: 'i',
  ï: 'i'
}

/** Strips accents and the final inflectional vowel(s) of a lower-cased word of 6+ letters. */
export function italianLightStem (word: string): string {
  if (word.length < 6) return word
  const s = [...word].map((c) => ACCENTS[c] ?? c).join('')
  const last = s[s.length - 1]
  const before = s[s.length - 2]
  switch (last) {
    case 'e': return before === 'i' || before === 'h' ? s.slice(0, -2) : s.slice(0, -1)
    case 'i': return before === 'h' || before === 'i' ? s.slice(0, -2) : s.slice(0, -1)
    case 'a': return before === 'i' ? s.slice(0, -2) : s.slice(0, -1)
    case 'o': return before === 'i' ? s.slice(0, -2) : s.slice(0, -1)
    default: return s
  }
}
