import { english, italian } from './embedded/analyzers.ts'

const TOKEN = /[\p{L}\p{N}]+(?:[.'’][\p{L}\p{N}]+)*/gu

/**
 * Marks the words of `text` that match the query after English or Italian analysis (so "macchina"
 * highlights "macchine"), and returns the best fragment around the matches. Done in the service, once,
 * so both search backends highlight alike.
 */
export function highlight (text: string, query: string, fragmentChars = 160): string | null {
  const wanted = new Set([...english(query), ...italian(query)])
  if (wanted.size === 0 || !text) return null
  const hits: Array<[number, number]> = []
  for (const m of text.matchAll(TOKEN)) {
    const word = m[0]
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
  const from = Math.max(0, text.lastIndexOf(' ', Math.max(0, bestStart - 20)) + 1)
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

function escape (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
