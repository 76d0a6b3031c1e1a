import { english, italian } from './embedded/analyzers.ts'

const TOKEN = /[\p{L}\p{N}]+(?:[.'’][\p{L}\p{N}]+)*/gu

/**
 * Marks the words of `text` that match the query after English or Italian analysis (so "macchina"
 * highlights "macchine"), and returns the best fragment around the matches: the whole text when it
 * fits in `fragmentChars` (a title stays whole, never "…" in front of its own words). Done in the
 * service, once, so both search backends highlight alike.
 *
 * Function words are never marked, in either language: "per" and "il" are not English stop words,
 * so English analysis alone would mark them in "macchine per il packaging" though they say nothing
 * about why a record matched.
 */
export function highlight (text: string, query: string, fragmentChars = 160): string | null {
  const wanted = new Set<string>()
  for (const m of query.matchAll(TOKEN)) {
    if (isFunctionWord(m[0])) continue
    for (const t of [...english(m[0]), ...italian(m[0])]) wanted.add(t)
  }
  if (wanted.size === 0 || !text) return null
  const hits: Array<[number, number]> = []
  for (const m of text.matchAll(TOKEN)) {
    const word = m[0]
    if (isFunctionWord(word)) continue
    if (english(word).some((t) => wanted.has(t)) || italian(word).some((t) => wanted.has(t))) hits.push([m.index as number, (m.index as number) + word.length])
  }
  if (hits.length === 0) return null
  // The window with the most matches.
  let bestStart = 0
  let bestCount = 0
  for (const [start] of hits) {
    const count = hits.filter(([s, e]) => s >= start && e <= start + fragmentChars).length
    if (count > bestCount) { bestCount = count; bestStart = start }
  }
  // Start a little before the first match, at a word; near the end, start early enough to fill the window.
  const late = Math.max(0, text.length - fragmentChars)
  const wanting = Math.min(Math.max(0, bestStart - 20), late)
  const from = wanting === 0 ? 0 : wanting === late ? text.indexOf(' ', wanting - 1) + 1 : text.lastIndexOf(' ', wanting) + 1
  const to = Math.min(text.length, from + fragmentChars)
  let out = ''
  let at = from
  for (const [s, e] of hits) {
    if (s < from || e > to) continue
    out += escape(text.slice(at, s)) + '<em>' + escape(text.slice(s, e)) + '</em>'
    at = e
  }
  out += escape(text.slice(at, to))
  return (from > 0 ? '…' : '') + out + (to < text.length ? '…' : '')
}

/** A word either analyzer drops: an English or Italian function word ("the", "per", "il"). */
function isFunctionWord (word: string): boolean {
  return english(word).length === 0 || italian(word).length === 0
}

function escape (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
