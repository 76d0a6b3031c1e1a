import { ConceptLinker, type LinkedPhrase, type Mention } from './linker.ts'
import { conceptEvidence, type ConceptEvidence } from './concept-evidence.ts'
import { Termbase, type Concept, type Lang } from './termbase.ts'
import { plainWords } from './phrase-keys.ts'
import { mergeEscoLabels } from './esco-csv.ts'

/** A concept as type-ahead and profiles show it: its label in the caller's language. */
export interface ConceptSummary { id: string, label: string, type: Concept['type'], labels: Record<Lang, string[]>, broader: string[], related: string[] }

/**
 * The concept layer as the rest of the service uses it: the termbase, the linker, the evidence two
 * phrases share, and type-ahead over the labels of both languages.
 */
export class Concepts {
  readonly linker: ConceptLinker
  /** Every label, folded, with its concept: what type-ahead scans. */
  private readonly labels: Array<{ key: string, words: string[], id: string, lang: Lang }> = []

  constructor (readonly termbase: Termbase) {
    this.linker = new ConceptLinker(termbase)
    for (const c of termbase.concepts.values()) {
      for (const lang of ['it', 'en'] as const) {
        for (const l of c.labels[lang]) {
          const words = plainWords(l)
          this.labels.push({ key: words.join(' '), words, id: c.id, lang })
        }
      }
    }
  }

  get size (): number { return this.termbase.concepts.size }

  link (text: string): LinkedPhrase {
    return this.linker.link(text)
  }

  /** The spans of a text that name concepts, as written (linker.ts `mentions`). */
  mentions (text: string): Mention[] {
    return this.linker.mentions(text)
  }

  /** Concept ids of a list of phrases, in first-seen order. */
  idsOf (phrases: readonly string[]): string[] {
    const out = new Set<string>()
    for (const p of phrases) for (const c of this.link(p).concepts) out.add(c.id)
    return [...out]
  }

  /**
   * The text an English-only model embeds for `text`: an Italian text with the English labels of the
   * concepts it names after it ("stampa 3D di componenti" + "additive manufacturing"), so that its
   * vector lands among the English texts on the same subject; any other text as it is. The stored
   * vector stays keyed by the text itself (its content hash).
   */
  bridgeText (text: string): string {
    if (this.linker.language(text) !== 'it') return text
    const labels: string[] = []
    for (const c of this.link(text).concepts) {
      const en = this.termbase.get(c.id)?.labels.en[0]
      if (en && !labels.includes(en)) labels.push(en)
      if (labels.length >= MAX_BRIDGE_LABELS) break
    }
    return labels.length > 0 ? `${text}\n${labels.join('; ')}` : text
  }

  /** The language most of the phrases are in (null when none can be told, or as many are in each). */
  majorityLanguage (phrases: readonly string[]): Lang | null {
    let it = 0
    let en = 0
    for (const p of phrases) {
      const l = this.link(p).lang
      if (l === 'it') it++
      else if (l === 'en') en++
    }
    return it > en ? 'it' : en > it ? 'en' : null
  }

  evidence (a: string, b: string): ConceptEvidence | null {
    return conceptEvidence(this.link(a), this.link(b), this.termbase)
  }

  has (id: string): boolean {
    return this.termbase.concepts.has(id)
  }

  summary (id: string, lang: Lang): ConceptSummary | null {
    const c = this.termbase.get(id)
    if (!c) return null
    return { id: c.id, label: this.termbase.label(id, lang), type: c.type, labels: c.labels, broader: c.broader.filter((b) => this.has(b)), related: c.related.filter((r) => this.has(r)) }
  }

  /**
   * Type-ahead: concepts whose label starts with what was typed, or has a word that does (every typed
   * word must be the start of one of the label's words), labels in `lang` first, shortest first.
   */
  suggest (q: string, lang: Lang, limit: number): ConceptSummary[] {
    const typed = plainWords(q)
    if (typed.length === 0) return []
    const prefix = typed.join(' ')
    const scored = new Map<string, number>()
    for (const l of this.labels) {
      let score: number
      if (l.key.startsWith(prefix)) score = 3
      else if (typed.every((t) => l.words.some((w) => w.startsWith(t)))) score = 1
      else continue
      if (l.lang === lang) score += 1
      score -= l.key.length / 1000
      if (score > (scored.get(l.id) ?? -Infinity)) scored.set(l.id, score)
    }
    return [...scored].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit)
      .map(([id]) => this.summary(id, lang) as ConceptSummary)
  }
}

/** English labels added to an Italian text for an English-only model, at most. */
const MAX_BRIDGE_LABELS = 12

let shared: Concepts | null = null

/** The termbase committed with the service (src/concepts/termbase/), loaded once per process. */
export function defaultConcepts (): Concepts {
  shared ??= new Concepts(Termbase.load())
  return shared
}

/**
 * Loads the termbase with ESCO's own labels from `escoDir` (skills_it.csv, skills_en.csv: ESCO_DIR,
 * docs/data.md) as the process's concepts; returns how many concepts gained labels.
 */
export function useEscoLabels (escoDir: string): number {
  const tb = Termbase.load()
  const merged = mergeEscoLabels(tb, escoDir)
  shared = new Concepts(tb)
  return merged
}
