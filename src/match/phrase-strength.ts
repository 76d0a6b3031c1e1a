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

const calibration = JSON.parse(readFileSync(new URL('../embedding/phrase-calibration.json', import.meta.url), 'utf8')) as {
  models: Record<string, { strong: number, partial: number }>
}

export function phraseThresholds (model: string | null): PhraseThresholds {
  const m = model ? calibration.models[model] : undefined
  return m ? { strong: m.strong, partial: m.partial, calibrated: true } : UNCALIBRATED
}

/** A pair's strength, or null when it is not a match worth stating. Identical phrases (1) are strong. */
export function strengthOf (similarity: number, t: PhraseThresholds): MatchStrength | null {
  return similarity >= t.strong || similarity >= 1 ? 'strong' : similarity >= t.partial ? 'partial' : null
}
