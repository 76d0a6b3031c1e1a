import { LRUCache } from 'lru-cache'
import { detectLanguage } from '../search/language.ts'
import { contentWordCount, phraseTokens, plainWords } from './phrase-keys.ts'
import type { Lang, Termbase } from './termbase.ts'

/** A concept a phrase names, and how much of the phrase the matching label covers (1: all of it). */
export interface ConceptLink { id: string, coverage: number }

export interface LinkedPhrase {
  /** The phrase's language as far as it can be told ('it' or 'en'), else null. */
  lang: Lang | null
  /** Concepts named by the phrase, most covering first. */
  concepts: ConceptLink[]
}

/** Labels longer than this many content words are not indexed as n-grams (they are definitions, not names). */
const MAX_GRAM = 8
const LANGS: readonly Lang[] = ['it', 'en']

/**
 * From a phrase (a competency, need, interest, offer, sought expertise or query) to the concepts it
 * names, by the labels of the termbase in both languages: the whole phrase as a label (any word
 * order), else the longest labels that occur in it as consecutive content words ("manutenzione
 * predittiva degli impianti" names predictive maintenance). Matching is on analysed words
 * (phrase-keys.ts): plurals, articles and elisions do not matter. A phrase no label matches links to
 * nothing: a concept is never guessed.
 */
export class ConceptLinker {
  /** Per language: label words in order → concepts; and the same words sorted (whole-phrase match in any order). */
  private readonly grams: Record<Lang, Map<string, string[]>> = { it: new Map(), en: new Map() }
  private readonly bags: Record<Lang, Map<string, string[]>> = { it: new Map(), en: new Map() }
  /** Words that occur in the labels of one language: the language guess for short phrases. */
  private readonly vocabulary: Record<Lang, Set<string>> = { it: new Set(), en: new Set() }
  private readonly memo = new LRUCache<string, LinkedPhrase>({ max: 50_000 })
  /**
   * Acronym labels ("LCA", "IoT", "DEI") by their exact spelling: matched only as written, with their
   * capitals, so that the Italian "dei" never names diversity, equity and inclusion.
   */
  private readonly acronyms = new Map<string, string[]>()
  /**
   * Per concept, the surface words of each of its labels: what tells apart concepts whose labels
   * stem alike ("hospitality" and "hospital" are both "hospit" to the English stemmer).
   */
  private readonly surfaces = new Map<string, string[][]>()

  constructor (readonly termbase: Termbase) {
    for (const c of termbase.concepts.values()) {
      for (const lang of LANGS) {
        for (const label of c.labels[lang]) {
          if (isAcronym(label)) { push(this.acronyms, label, c.id); continue }
          const tokens = phraseTokens(label, lang)
          if (tokens.length === 0 || tokens.length > MAX_GRAM || tokens.length < contentWordCount(label)) continue
          push(this.grams[lang], tokens.join(' '), c.id)
          push(this.bags[lang], [...tokens].sort().join(' '), c.id)
          const surfaces = this.surfaces.get(c.id) ?? []
          surfaces.push(surfaceWords(label))
          this.surfaces.set(c.id, surfaces)
          for (const w of plainWords(label)) this.vocabulary[lang].add(w)
        }
      }
    }
  }

  link (text: string): LinkedPhrase {
    const key = text.trim()
    let linked = this.memo.get(key)
    if (!linked) {
      linked = this.compute(key)
      this.memo.set(key, linked)
    }
    return linked
  }

  private compute (text: string): LinkedPhrase {
    const found = new Map<string, number>()
    const written = new Set(surfaceWords(text))
    /**
     * Concepts whose labels share one analysed key: those with a label whose words are all in the
     * phrase as written, when any is ("hospitality management" is not hospital management); else all.
     */
    const asWritten = (ids: string[]): string[] => {
      if (ids.length < 2) return ids
      const kept = ids.filter((id) => (this.surfaces.get(id) ?? []).some((words) => words.length > 0 && words.every((w) => written.has(w))))
      return kept.length > 0 ? kept : ids
    }

    let whole: Lang | null = null
    for (const lang of LANGS) {
      const tokens = phraseTokens(text, lang)
      if (tokens.length === 0) continue
      const all = this.bags[lang].get([...tokens].sort().join(' '))
      if (all) {
        for (const id of asWritten(all)) found.set(id, 1)
        if (whole === null || lang === 'en') whole = lang
        continue
      }
      // The longest labels inside the phrase: a span inside a longer matched span is not a concept of its own.
      const spans: Array<{ start: number, end: number, ids: string[] }> = []
      for (let len = Math.min(MAX_GRAM, tokens.length); len >= 1; len--) {
        for (let start = 0; start + len <= tokens.length; start++) {
          const ids = this.grams[lang].get(tokens.slice(start, start + len).join(' '))
          if (!ids) continue
          const end = start + len
          if (spans.some((s) => s.start <= start && end <= s.end)) continue
          spans.push({ start, end, ids: asWritten(ids) })
        }
      }
      for (const s of spans) {
        const coverage = (s.end - s.start) / tokens.length
        for (const id of s.ids) found.set(id, Math.max(found.get(id) ?? 0, coverage))
      }
    }
    // Acronyms as written, unless a label already names the whole phrase ("explainable AI" is not AI).
    if (whole === null) {
      const raw = text.match(/[\p{L}\p{N}]+/gu) ?? []
      for (const w of raw) {
        for (const id of this.acronyms.get(w) ?? []) found.set(id, Math.max(found.get(id) ?? 0, 1 / raw.length))
      }
    }
    // A phrase that is a label names that concept alone: parts of it matched in the other language's
    // analysis ("cloud" in "sicurezza del cloud") are not concepts of the phrase.
    if (whole !== null) {
      for (const [id, coverage] of found) if (coverage < 1) found.delete(id)
      // Named whole in both analyses by different concepts: the one written so wins ("hospitality" is
      // an Italian label of hospitality management and, stemmed, the English "hospitals").
      const kept = new Set(asWritten([...found.keys()]))
      for (const id of found.keys()) if (!kept.has(id)) found.delete(id)
    }
    const concepts = [...found].map(([id, coverage]) => ({ id, coverage: Math.round(coverage * 1000) / 1000 }))
      .sort((a, b) => b.coverage - a.coverage || (a.id < b.id ? -1 : 1))
    return { lang: whole ?? this.language(text), concepts }
  }

  /**
   * The spans of a text that name concepts, in text order: the longest labels (in either language's
   * analysis) occurring as consecutive content words within one clause (commas, semicolons, brackets
   * and sentence ends break spans), and acronyms as written. A span inside a longer one, or overlapping
   * one as long or longer, is not a mention of its own. Each span is given as written, so that it can
   * stand as a phrase of the text (a sought phrase of a free-text need) and be shown to a person.
   */
  mentions (text: string): Mention[] {
    const words = surfaceWordSpans(text)
    /** Candidate spans, in word indices [from, to). */
    const found: Array<{ from: number, to: number }> = []
    for (const lang of LANGS) {
      const tokens: Array<{ key: string, word: number }> = []
      words.forEach((w, i) => { for (const key of phraseTokens(w.text, lang)) tokens.push({ key, word: i }) })
      // Runs of tokens within one clause: a label never spans a comma or a full stop.
      for (let runStart = 0; runStart < tokens.length;) {
        let runEnd = runStart + 1
        while (runEnd < tokens.length && (words[(tokens[runEnd] as { word: number }).word] as SurfaceWord).clause === (words[(tokens[runStart] as { word: number }).word] as SurfaceWord).clause) runEnd++
        const run = tokens.slice(runStart, runEnd)
        const spans: Array<{ start: number, end: number }> = []
        for (let len = Math.min(MAX_GRAM, run.length); len >= 1; len--) {
          for (let start = 0; start + len <= run.length; start++) {
            const end = start + len
            if (spans.some((s) => s.start <= start && end <= s.end)) continue
            const key = run.slice(start, end).map((t) => t.key).join(' ')
            if (!this.grams[lang].has(key)) continue
            const from = (run[start] as { word: number }).word
            const to = (run[end - 1] as { word: number }).word + 1
            // "machines and design" is not "machine design": words joined by a conjunction are one span
            // only where a label with these words has one too ("ricerca e sviluppo").
            if (words.slice(from, to).some((w) => CONJUNCTIONS.has(w.text.toLowerCase())) && !this.conjoined(lang).has(key)) continue
            spans.push({ start, end })
            found.push({ from, to })
          }
        }
        runStart = runEnd
      }
    }
    words.forEach((w, i) => { if (this.acronyms.has(w.text.replace(/[.'’]+$/u, ''))) found.push({ from: i, to: i + 1 }) })
    // The longest first; a span overlapping one already taken is left out.
    found.sort((a, b) => (b.to - b.from) - (a.to - a.from) || a.from - b.from)
    const taken: Array<{ from: number, to: number }> = []
    for (const s of found) if (!taken.some((x) => s.from < x.to && x.from < s.to)) taken.push(s)
    const out: Mention[] = []
    for (const s of taken.sort((a, b) => a.from - b.from)) {
      const start = (words[s.from] as SurfaceWord).start
      const end = (words[s.to - 1] as SurfaceWord).end
      const written = text.slice(start, end)
      const concepts = this.link(written).concepts.map((c) => c.id)
      if (concepts.length > 0) out.push({ text: written, start, end, concepts })
    }
    return out
  }

  /** Per language, the analysed keys of labels that join words with a conjunction ("ricerca e sviluppo"), made when first asked. */
  private conjoinedKeys: Record<Lang, Set<string>> | null = null

  private conjoined (lang: Lang): Set<string> {
    if (!this.conjoinedKeys) {
      const keys: Record<Lang, Set<string>> = { it: new Set(), en: new Set() }
      for (const c of this.termbase.concepts.values()) {
        for (const l of LANGS) {
          for (const label of c.labels[l]) if (plainWords(label).some((w) => CONJUNCTIONS.has(w))) keys[l].add(phraseTokens(label, l).join(' '))
        }
      }
      this.conjoinedKeys = keys
    }
    return this.conjoinedKeys[lang]
  }

  /**
   * The one-word label of a concept that is `word` as written (folded; a plural or final vowel
   * aside), as the termbase writes it; null when the concept has none. What tells a word that names
   * a concept from one that only stems like a label ("training" and "trains", "market" and
   * "marketing") or is what a longer label keeps after its function words ("design" of "design for all").
   */
  wordLabel (word: string, id: string): string | null {
    const key = oneWordKey(word)
    if (key === null) return null
    const c = this.termbase.get(id)
    for (const lang of LANGS) for (const label of c?.labels[lang] ?? []) if (oneWordKey(label) === key) return label
    return null
  }

  /**
   * A short phrase's language: its function words when it has any, else the words only one
   * language's labels use, else the endings typical of each language; null when it cannot be told.
   */
  language (text: string): Lang | null {
    const byFunctionWords = detectLanguage(text, 1)
    if (byFunctionWords) return byFunctionWords
    let it = 0
    let en = 0
    for (const w of plainWords(text)) {
      const inIt = this.vocabulary.it.has(w)
      const inEn = this.vocabulary.en.has(w)
      if (inIt && !inEn) it++
      else if (inEn && !inIt) en++
      else if (!inIt && !inEn) {
        if (ITALIAN_ENDING.test(w)) it += 0.5
        else if (ENGLISH_ENDING.test(w)) en += 0.5
      }
    }
    return it > en ? 'it' : en > it ? 'en' : null
  }
}

/**
 * A span of a text that names concepts of the termbase, as the text writes it: what a free-text need
 * can be matched and explained by ("sensori per il monitoraggio delle condizioni" mentions "monitoraggio
 * delle condizioni", condition monitoring).
 */
export interface Mention {
  /** The span's words as written, from its first content word to its last ("monitoraggio delle condizioni"). */
  text: string
  /** Where the span is in the text: character offsets, end excluded. */
  start: number
  end: number
  /** The concepts the span names, as `link` finds them for the span on its own. */
  concepts: string[]
}

const ITALIAN_ENDING = /(zione|zioni|ità|mento|menti|ica|ico|ici|iche|ali|ivo|iva|ivi|oso|osa|ari|ori|ria|[aio])$/
const ENGLISH_ENDING = /(ing|tion|tions|ment|ness|ity|ics|ed|ers|ly|ous|ure|ance|ence|[bcdfghjklmnpqrstvwxyz])$/

/** A label of one word, up to 6 characters, with two capitals or more ("LCA", "IoT", "5G" is not: no capitals). */
function isAcronym (label: string): boolean {
  return /^[\p{L}\p{N}]{2,6}$/u.test(label) && (label.match(/\p{Lu}/gu)?.length ?? 0) >= 2
}

/**
 * A text's content words as written, only folded and with a plural or final vowel off ("hospitals"
 * and "hospital" meet, "hospitality" stays apart; "sensori" and "sensore" meet).
 */
function surfaceWords (text: string): string[] {
  return plainWords(text.replace(/(\p{L})-(?=\p{L})/gu, '$1'))
    .filter((w) => contentWordCount(w) > 0)
    .map((w) => w.length > 3 ? w.replace(/(ies|es|s|[aeiou])$/, '') : w)
}

/** A word of a text where it stands, and the clause it is in (mentions never cross clauses). */
interface SurfaceWord { text: string, start: number, end: number, clause: number }

/**
 * A text's words with their offsets, cut as phrase-keys.ts cuts them: hyphenated compounds are one
 * word, an elided article ("l'", "dell'") is a word of its own, trailing dots and apostrophes are not
 * part of a word. A comma, semicolon, colon, bracket, quote, dash between spaces, line break or full
 * stop starts a new clause.
 */
function surfaceWordSpans (text: string): SurfaceWord[] {
  const out: SurfaceWord[] = []
  let clause = 0
  let last = 0
  for (const m of text.matchAll(/[\p{L}\p{N}'’.]+(?:(?<=\p{L})-(?=\p{L})[\p{L}\p{N}'’.]+)*/gu)) {
    const raw = m[0]
    let start = m.index
    if (out.length > 0 && (CLAUSE_BREAK.test(text.slice(last, start)) || text[last - 1] === '.')) clause++
    last = start + raw.length
    let word = raw.replace(/^[.'’]+/u, '')
    start += raw.length - word.length
    word = word.replace(/[.'’]+$/u, '')
    if (!word) continue
    const elided = /^(\p{L}+['’])(.+)$/u.exec(word)
    if (elided) {
      const article = elided[1] as string
      out.push({ text: article, start, end: start + article.length, clause })
      out.push({ text: elided[2] as string, start: start + article.length, end: start + word.length, clause })
    } else {
      out.push({ text: word, start, end: start + word.length, clause })
    }
  }
  return out
}

const CONJUNCTIONS = new Set(['and', 'or', 'nor', 'e', 'ed', 'o', 'oppure', 'né', 'ne'])

const CLAUSE_BREAK = /[,;:!?()[\]{}«»"“”/|\n–—]|\s-\s/u

/** A single word's surface key (surfaceWords, and "-y" as "-ies" loses it: "battery", "batteries"); null for more words. */
function oneWordKey (text: string): string | null {
  const plain = plainWords(text.replace(/(\p{L})-(?=\p{L})/gu, '$1'))
  if (plain.length !== 1) return null
  // Words of two letters ("AI", "5G") are no content words: they are their own key.
  const w = surfaceWords(text)[0] ?? (plain[0] as string)
  return w.length > 3 ? w.replace(/y$/, '') : w
}

function push (m: Map<string, string[]>, key: string, id: string): void {
  const list = m.get(key)
  if (!list) m.set(key, [id])
  else if (!list.includes(id)) list.push(id)
}
