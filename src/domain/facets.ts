import { createHash } from 'node:crypto'
import type { Kind } from './kinds.ts'

/**
 * The texts of a record that are embedded, one vector per facet, so that matching can compare
 * like with like (an organisation's competencies against a proposal's needs), not one blob of text.
 */
export type Facet = 'profile' | 'competencies' | 'needs'

const join = (...parts: unknown[]): string => parts
  .flatMap((p) => Array.isArray(p) ? p : [p])
  .filter((p): p is string => typeof p === 'string' && p.trim().length > 0)
  .join('. ')

/** The facet texts of a record body; facets with no text are absent. */
export function facetTexts (kind: Kind, r: Record<string, any>): Partial<Record<Facet, string>> {
  const out: Partial<Record<Facet, string>> = {}
  const set = (facet: Facet, text: string) => { if (text) out[facet] = text }
  switch (kind) {
    case 'organizations':
      set('profile', join(r.name, r.description, r.competencies, r.results))
      set('competencies', join(r.competencies, r.competenciesText))
      set('needs', join(r.needs, r.needsText))
      break
    case 'people':
      set('profile', join(r.role, r.interests, r.interestsText, r.expertise))
      set('competencies', join(r.expertise))
      set('needs', join(r.interests, r.interestsText))
      break
    case 'proposals':
      set('profile', join(r.title, r.body))
      set('competencies', join(r.offers, r.offersText))
      set('needs', join(r.seeks, r.seeksText))
      break
    case 'projects':
      set('profile', join(r.title, r.summary))
      break
    case 'communities':
      set('profile', join(r.title, r.text, r.tags))
      break
    case 'content':
      set('profile', join(r.title, r.text, r.tags))
      break
  }
  return out
}

/**
 * The short phrases of a record (competencies, needs, interests, offers, tags...). Each is embedded on
 * its own, so that a match can say which phrase on one side met which phrase on the other.
 */
export function phrasesOf (kind: Kind, r: Record<string, any>): { competencies: string[], needs: string[] } {
  const list = (...xs: unknown[]): string[] => [...new Set(xs.flatMap((x) => Array.isArray(x) ? x : []).filter((p): p is string => typeof p === 'string' && p.trim().length > 0))]
  switch (kind) {
    case 'organizations': return { competencies: list(r.competencies), needs: list(r.needs) }
    case 'people': return { competencies: list(r.expertise), needs: list(r.interests) }
    case 'proposals': return { competencies: list(r.offers), needs: list(r.seeks) }
    case 'communities': case 'content': return { competencies: list(r.tags), needs: [] }
    default: return { competencies: [], needs: [] }
  }
}

/**
 * Recent keys, by text: ranking hashes the same phrases over and over (every candidate's phrases on
 * every request), and SHA-256 was a large share of a match's CPU time.
 */
const recentKeys = new Map<string, string>()
const RECENT_KEYS = 50_000

/** The key a facet text's vector is stored under, with the model name: the same text is never embedded twice. */
export function contentHash (text: string): string {
  let key = recentKeys.get(text)
  if (key === undefined) {
    key = createHash('sha256').update(text).digest('base64url')
    // Long texts (profiles) rarely repeat within a request; keep the cache for phrases and short texts.
    if (text.length <= 300) {
      // A plain map, emptied when full: cheaper per lookup than an LRU, and phrases come back at once.
      if (recentKeys.size >= RECENT_KEYS) recentKeys.clear()
      recentKeys.set(text, key)
    }
  }
  return key
}

/** The key of a phrase's vector (phrases are embedded as symmetric text, so they get their own key). */
export function phraseHash (phrase: string): string {
  return contentHash(`phrase\u0000${phrase.trim().toLowerCase()}`)
}
