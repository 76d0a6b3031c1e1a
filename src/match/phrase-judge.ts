import type { Concepts } from '../concepts/concepts.ts'
import type { Lang } from '../concepts/termbase.ts'
import { dot } from './features.ts'
import { pairThresholds, strengthOf, type MatchStrength, type PhraseThresholds } from './phrase-strength.ts'

/** The two phrases' languages, unordered; a phrase whose language cannot be told counts as Italian (the cautious side). */
export type LangPair = 'it-it' | 'it-en' | 'en-en'

export function langPair (a: Lang | null, b: Lang | null): LangPair {
  const x = a ?? 'it'
  const y = b ?? 'it'
  return x === y ? (x === 'it' ? 'it-it' : 'en-en') : 'it-en'
}

/** What a stated pair rests on: the same words, the same concept, related concepts, or the model's calibrated similarity. */
export type Evidence = 'words' | 'concept' | 'related-concept' | 'model'

export interface Judgement {
  /** What ranking adds up (phrase_match): 1 for the same words or concept, the cosine otherwise (discounted where the model cannot be trusted). */
  similarity: number
  /** Null: not a match worth stating in this language pair. */
  strength: MatchStrength | null
  via: Evidence | null
  /** The concept the evidence rests on (via concept / related-concept). */
  concept?: string
}

/** Value of a pair the termbase links (same concept, central / not central to the sought phrase; related concepts). */
const SAME = 1
const SAME_PART = 0.6
const RELATED = 0.7
/** A concept that is not the heart of one of the phrases, or a loose "related" link: ranking only. */
const LOOSE = 0.5
/**
 * A cosine in a language pair the model's calibration cannot vouch for (an English model on Italian)
 * counts at this share in ranking: such cosines sit at 0.6-0.8 whatever the phrases mean.
 */
const UNTRUSTED_SHARE = 0.5

/**
 * Judges a pair of phrases (what one side seeks, what the other has) in every language pair: the
 * same words or the same concept (the termbase, in both languages) are strong evidence, related
 * concepts partial; the model's cosine is stated only where its calibration for that language pair
 * reaches the precision a reason needs (phrase-calibration.json), and otherwise only counts, at a
 * discount, in ranking.
 */
export class PhraseJudge {
  private readonly thresholds: Record<LangPair, PhraseThresholds | null>

  constructor (private readonly concepts: Concepts, model: string | null) {
    this.thresholds = pairThresholds(model)
  }

  judge (a: string, av: Float32Array | undefined, b: string, bv: Float32Array | undefined): Judgement {
    if (a.trim().toLowerCase() === b.trim().toLowerCase()) return { similarity: 1, strength: 'strong', via: 'words' }
    const cos = av && bv ? dot(av, bv) : 0
    const la = this.concepts.link(a)
    const lb = this.concepts.link(b)
    const evidence = this.concepts.evidence(a, b)
    if (evidence) {
      // Stated: the same concept at the heart of both phrases. A concept and its broader or narrower
      // one count in ranking but are not stated: on the bilingual check set's tune half they were
      // right 6 times and wrong 5 (bench/bilingual.ts), below the precision a reason needs.
      const same = evidence.relation === 'same'
      if (same && evidence.central) return { similarity: Math.max(SAME, cos), strength: 'strong', via: 'concept', concept: evidence.concept }
      const value = same ? SAME_PART : evidence.central && evidence.hierarchical ? RELATED : LOOSE
      return { similarity: Math.max(value, cos * UNTRUSTED_SHARE), strength: null, via: null }
    }
    const t = this.thresholds[langPair(la.lang, lb.lang)]
    if (t === null) return { similarity: cos * UNTRUSTED_SHARE, strength: null, via: null }
    const strength = strengthOf(cos, t)
    return { similarity: cos, strength, via: strength ? 'model' : null }
  }

  /** Whether the model's cosine between texts in these languages may be stated (whole-text reasons). */
  trusts (a: Lang | null, b: Lang | null): PhraseThresholds | null {
    return this.thresholds[langPair(a, b)]
  }
}
