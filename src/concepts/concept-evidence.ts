import type { LinkedPhrase } from './linker.ts'
import type { Termbase } from './termbase.ts'

/**
 * What the termbase says of two phrases: they name the same concept, or concepts one broader,
 * narrower or related link apart; nothing when neither holds (siblings under one broader concept are
 * not related: "agricoltura di precisione" and "meccanica di precisione" share no link).
 */
export interface ConceptEvidence {
  relation: 'same' | 'related'
  /** The concept of the first phrase the evidence rests on. */
  concept: string
  /** The second phrase's concept (the same one for `same`). */
  other: string
  /**
   * Whether the concepts are the heart of both phrases (their labels cover at least half of each):
   * "manutenzione predittiva" in "manutenzione predittiva dei treni" is; "fotovoltaico" in "riciclo
   * dei moduli fotovoltaici a fine vita" is not (that phrase is about recycling).
   */
  central: boolean
  /** For `related`: the link is broader or narrower (is-a), not a looser "related" link. */
  hierarchical?: boolean
}

/** A concept is at the heart of a phrase when its label takes at least this share of the phrase's content words. */
export const CENTRAL_COVERAGE = 0.5

export function conceptEvidence (a: LinkedPhrase, b: LinkedPhrase, termbase: Termbase): ConceptEvidence | null {
  if (a.concepts.length === 0 || b.concepts.length === 0) return null
  let best: ConceptEvidence | null = null
  for (const x of a.concepts) {
    for (const y of b.concepts) {
      if (x.id === y.id) {
        const e: ConceptEvidence = { relation: 'same', concept: x.id, other: y.id, central: x.coverage >= CENTRAL_COVERAGE && y.coverage >= CENTRAL_COVERAGE }
        if (!best || rank(e) > rank(best)) best = e
      }
    }
  }
  if (best) return best
  for (const x of a.concepts) {
    const near = termbase.neighboursOf(x.id)
    for (const y of b.concepts) {
      if (near.has(y.id)) {
        const e: ConceptEvidence = { relation: 'related', concept: x.id, other: y.id, central: x.coverage >= CENTRAL_COVERAGE && y.coverage >= CENTRAL_COVERAGE, hierarchical: termbase.isBroaderOrNarrower(x.id, y.id) }
        if (!best || rank(e) > rank(best)) best = e
      }
    }
  }
  return best
}

const rank = (e: ConceptEvidence) => (e.relation === 'same' ? 4 : 0) + (e.central ? 2 : 0) + (e.hierarchical ? 1 : 0)
