import type { Lang } from './i18n.ts'

/**
 * The service states its reasons in English sentences (reasons.summary, written in
 * src/match/partner-matcher.ts, recommender.ts and candidate-finder.ts). In Italian the console
 * says the same thing: each known sentence is matched and rewritten; a sentence it does not know
 * is shown as the service wrote it (in English, marked lang="en").
 */
export interface LocalReason { text: string, lang: Lang }

type Rule = [RegExp, (m: RegExpExecArray) => string]

const strength = (s: string) => s === 'strong' ? 'corrispondenza forte' : s === 'partial' ? 'corrispondenza parziale' : s
const plural = (n: string, one: string, many: string) => n === '1' ? one : many

const evidence = (e: string | undefined) => e === 'same concept' ? ', stesso concetto' : e === 'related concept' ? ', concetto collegato' : ''

/**
 * `"X" (for "Y", strong match)` and `"X" (your "Y", partial match)`, as many as are listed, each
 * possibly with what it rests on (`, same concept`, `, related concept`).
 */
function pairs (list: string): string {
  return list.replace(/"([^"]*)" \((for|your) "([^"]*)", (strong|partial) match(?:, (same concept|related concept))?\)/g,
    (_, matched: string, word: string, sought: string, s: string, e: string | undefined) => `«${matched}» (${word === 'for' ? 'per' : 'vostro'} «${sought}», ${strength(s)}${evidence(e)})`)
}

const RULES: Rule[] = [
  [/^Has what you seek: (.*)$/, (m) => `Ha ciò che cercate: ${pairs(m[1] as string)}`],
  [/^Has competencies like yours: (.*)$/, (m) => `Ha competenze simili alle vostre: ${pairs(m[1] as string)}`],
  [/^Seeks what you offer: (.*)$/, (m) => `Cerca ciò che offrite: ${pairs(m[1] as string)}`],
  [/^Has the expertise sought: (.*)$/, (m) => `Ha le competenze cercate: ${pairs(m[1] as string)}`],
  [/^Matches your interests: (.*)$/, (m) => `Corrisponde ai tuoi interessi: ${pairs(m[1] as string)}`],
  [/^Matches your expertise: (.*)$/, (m) => `Corrisponde alle tue competenze: ${pairs(m[1] as string)}`],
  [/^Seeks your expertise: (.*)$/, (m) => `Cerca le tue competenze: ${pairs(m[1] as string)}`],
  [/^Needs what this offer provides: (.*)$/, (m) => `Ha bisogno di ciò che questa offerta fornisce: ${pairs(m[1] as string)}`],
  [/^The organisation the consortium is built for$/, () => 'L\'organizzazione per cui si forma il consorzio'],
  [/^Same S3 areas: (.*)$/, (m) => `Stesse aree S3: ${m[1]}`],
  [/^In your S3 areas: (.*)$/, (m) => `Nelle tue aree S3: ${m[1]}`],
  [/^Same economic sectors \(division (.*)\)$/, (m) => `Stessi settori economici (divisione ${m[1]})`],
  [/^Also in (.*)$/, (m) => `Anche in ${m[1]}`],
  [/^You worked together on (\d+) projects?$/, (m) => `Avete lavorato insieme a ${m[1]} ${plural(m[1] as string, 'progetto', 'progetti')}`],
  [/^(\d+) partners? in common$/, (m) => `${m[1]} partner in comune`],
  [/^Active in your programme areas: (.*)$/, (m) => `Attiva nelle vostre aree di programma: ${m[1]}`],
  [/^Interested in this topic$/, () => 'Interessata/o a questo tema'],
  [/^Close to your interests$/, () => 'Vicino ai tuoi interessi'],
  [/^Seeks expertise you have$/, () => 'Cerca competenze che hai'],
  [/^Seeks your organisation's competencies$/, () => 'Cerca le competenze della tua organizzazione'],
  [/^Like items you engaged with$/, () => 'Simile a ciò con cui hai interagito'],
  [/^Deadline in (\d+) days?$/, (m) => `Scadenza tra ${m[1]} ${plural(m[1] as string, 'giorno', 'giorni')}`]
]

export function localReason (sentence: string, lang: Lang): LocalReason {
  if (lang === 'en') return { text: sentence, lang }
  for (const [pattern, rewrite] of RULES) {
    const m = pattern.exec(sentence)
    if (m) return { text: rewrite(m), lang }
  }
  return { text: sentence, lang: 'en' }
}
