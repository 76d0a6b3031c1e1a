import { readFileSync } from 'node:fs'

/**
 * How strong a phrase match is, per embedding model: small English models squeeze every similarity
 * into 0.4-0.8, so a raw cosine says little to a person. The thresholds come from labelled ESCO pairs
 * (dev/models/calibrate-phrases.ts writes src/embedding/phrase-calibration.json): at or above
 * `strong`, 9 pairs in 10 are the same competency in other words; at or above `partial`, 4 in 5 are
 * the same or a related competency; below it a pair is not stated as a reason at all.
 */
export type MatchStrength = 'strong' | 'partial'

export interface PhraseThresholds {
  strong: number
  partial: number
  /** False for a model the calibration has not seen: conservative thresholds apply. */
  calibrated: boolean
}

/** For a model without calibration: only near-identical phrases are stated. */
const UNCALIBRATED: PhraseThresholds = { strong: 0.9, partial: 0.8, calibrated: false }

interface PairCalibration { strong: number, partial: number, reliable: boolean }

const calibration = JSON.parse(readFileSync(new URL('../embedding/phrase-calibration.json', import.meta.url), 'utf8')) as {
  models: Record<string, { strong: number, partial: number, pairs?: Partial<Record<'it-it' | 'it-en' | 'en-en', PairCalibration>> }>
}

export function phraseThresholds (model: string | null): PhraseThresholds {
  const m = model ? calibration.models[model] : undefined
  return m ? { strong: m.strong, partial: m.partial, calibrated: true } : UNCALIBRATED
}

/** A pair's strength, or null when it is not a match worth stating. Identical phrases (1) are strong. */
export function strengthOf (similarity: number, t: PhraseThresholds): MatchStrength | null {
  return similarity >= t.strong || similarity >= 1 ? 'strong' : similarity >= t.partial ? 'partial' : null
}

/**
 * Thresholds per language pair (it-it, it-en, en-en), or null for a pair whose calibration could not
 * reach the precision a reason needs (an English-only model on Italian phrases): in such a pair only
 * the termbase's evidence is stated. A model calibrated before pairs were (English ESCO pairs only)
 * is trusted on English pairs alone; an uncalibrated one gets the conservative thresholds in English.
 */
export function pairThresholds (model: string | null): Record<'it-it' | 'it-en' | 'en-en', PhraseThresholds | null> {
  const m = model ? calibration.models[model] : undefined
  const english = phraseThresholds(model)
  const pair = (p: 'it-it' | 'it-en'): PhraseThresholds | null => {
    const c = m?.pairs?.[p]
    return c?.reliable ? { strong: c.strong, partial: c.partial, calibrated: true } : null
  }
  const en = m?.pairs?.['en-en']
  return {
    'en-en': en ? (en.reliable ? { strong: en.strong, partial: en.partial, calibrated: true } : null) : english,
    'it-en': pair('it-en'),
    'it-it': pair('it-it')
  }
}
