import type { ComponentChild } from 'preact'
import { html } from './html.ts'

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

/**
 * A search highlight as the service writes it (text HTML-escaped, matched words in `<em>`), as
 * nodes: never as HTML, so a record's text cannot inject markup.
 */
export function highlighted (fragment: string): ComponentChild[] {
  const out: ComponentChild[] = []
  const re = /<em>([\s\S]*?)<\/em>/g
  let at = 0
  for (let m = re.exec(fragment); m; m = re.exec(fragment)) {
    if (m.index > at) out.push(unescape(fragment.slice(at, m.index)))
    out.push(html`<mark>${unescape(m[1] as string)}</mark>`)
    at = m.index + m[0].length
  }
  if (at < fragment.length) out.push(unescape(fragment.slice(at)))
  return out
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `text` with every occurrence of the phrases (any case) in `<mark>`, longest phrase first. */
export function markPhrases (text: string, phrases: readonly string[]): ComponentChild[] {
  const wanted = [...new Set(phrases.map((p) => p.trim()).filter((p) => p.length > 1))].sort((a, b) => b.length - a.length)
  if (wanted.length === 0 || !text) return [text]
  const re = new RegExp(wanted.map(escapeRe).join('|'), 'giu')
  const out: ComponentChild[] = []
  let at = 0
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) { re.lastIndex++; continue }
    if (m.index > at) out.push(text.slice(at, m.index))
    out.push(html`<mark>${m[0]}</mark>`)
    at = m.index + m[0].length
  }
  if (at < text.length) out.push(text.slice(at))
  return out
}

/** The words a service highlight marks (inside `<em>`), unescaped. */
export function markedWords (fragment: string | undefined): string[] {
  return [...(fragment ?? '').matchAll(/<em>([\s\S]*?)<\/em>/g)].map((m) => unescape(m[1] as string))
}

/**
 * `text` whole, with the words a highlight marked marked in it too (whole words only). A record's
 * title stays its title: the service's highlight of it may be a fragment ("…automazione industriale"),
 * which would read as another, cut title.
 */
export function markWords (text: string, words: readonly string[]): ComponentChild[] {
  const wanted = [...new Set(words.filter((w) => w.length > 0))].sort((a, b) => b.length - a.length)
  if (wanted.length === 0 || !text) return [text]
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${wanted.map(escapeRe).join('|')})(?![\\p{L}\\p{N}])`, 'giu')
  const out: ComponentChild[] = []
  let at = 0
  for (const m of text.matchAll(re)) {
    if (m.index > at) out.push(text.slice(at, m.index))
    out.push(html`<mark>${m[0]}</mark>`)
    at = m.index + m[0].length
  }
  if (at < text.length) out.push(text.slice(at))
  return out
}
