import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The bilingual termbase: the domain's competencies, technologies, application fields and sectors,
 * each with Italian and English labels and its broader and related concepts. It is what lets an
 * Italian phrase and an English one be recognised as the same thing (an English-only embedding
 * model cannot tell Italian phrases apart: docs/concepts.md).
 *
 * The files in `termbase/` are JSON Lines, one concept a line (docs/concepts.md lists them with their
 * sources): labels written by the project, the ESCO-derived subset, the sectors from NACE / ATECO and
 * the demo's translation pairs. Concepts with the same id are merged (labels and links united).
 */
export type ConceptType = 'competency' | 'technology' | 'application' | 'sector' | 'field'
export type Lang = 'it' | 'en'

export interface Concept {
  id: string
  type: ConceptType
  /** Preferred label first. */
  labels: Record<Lang, string[]>
  broader: string[]
  related: string[]
  nace?: string[]
  s3?: string[]
  field?: string
  /** Which files the concept came from (source names, e.g. "project", "esco", "nace-ateco"). */
  sources: string[]
}

/** One line of a termbase file. */
interface ConceptLine {
  id: string
  type?: ConceptType
  en?: string[]
  it?: string[]
  broader?: string[]
  related?: string[]
  nace?: string[]
  s3?: string[]
  field?: string
}

export const TERMBASE_DIR = fileURLToPath(new URL('./termbase/', import.meta.url))

export class Termbase {
  readonly concepts = new Map<string, Concept>()
  /** Concept → concepts it is narrower than, related to, or broader than (links both ways). */
  private readonly neighbours = new Map<string, Set<string>>()

  /** Adds concept lines (merging by id); `source` names where they come from. */
  add (lines: Iterable<ConceptLine>, source: string): void {
    for (const line of lines) {
      if (!line.id) continue
      let c = this.concepts.get(line.id)
      if (!c) {
        c = { id: line.id, type: line.type ?? 'competency', labels: { it: [], en: [] }, broader: [], related: [], sources: [] }
        this.concepts.set(line.id, c)
      }
      for (const lang of ['it', 'en'] as const) {
        for (const raw of line[lang] ?? []) {
          const label = typeof raw === 'string' ? raw.trim() : ''
          if (label && !c.labels[lang].some((l) => l.toLowerCase() === label.toLowerCase())) c.labels[lang].push(label)
        }
      }
      union(c.broader, line.broader)
      union(c.related, line.related)
      if (line.nace?.length) c.nace = union(c.nace ?? [], line.nace)
      if (line.s3?.length) c.s3 = union(c.s3 ?? [], line.s3)
      if (line.field && !c.field) c.field = line.field
      if (!c.sources.includes(source)) c.sources.push(source)
    }
    this.neighbours.clear()
  }

  get (id: string): Concept | undefined {
    return this.concepts.get(id)
  }

  /** The preferred label in `lang`, else in the other language. */
  label (id: string, lang: Lang): string {
    const c = this.concepts.get(id)
    if (!c) return id
    return c.labels[lang][0] ?? c.labels[lang === 'it' ? 'en' : 'it'][0] ?? id
  }

  /** Whether one concept is listed as broader than the other. */
  isBroaderOrNarrower (a: string, b: string): boolean {
    return (this.concepts.get(a)?.broader.includes(b) ?? false) || (this.concepts.get(b)?.broader.includes(a) ?? false)
  }

  /** Concepts one broader, narrower or related link away (links to unknown ids are dropped). */
  neighboursOf (id: string): ReadonlySet<string> {
    if (this.neighbours.size === 0 && this.concepts.size > 0) this.link()
    return this.neighbours.get(id) ?? EMPTY
  }

  private link (): void {
    const add = (a: string, b: string) => {
      if (a === b || !this.concepts.has(a) || !this.concepts.has(b)) return
      let s = this.neighbours.get(a)
      if (!s) this.neighbours.set(a, s = new Set())
      s.add(b)
    }
    for (const c of this.concepts.values()) {
      for (const b of [...c.broader, ...c.related]) { add(c.id, b); add(b, c.id) }
    }
  }

  /** Every concept file of a folder (`*.jsonl`), the file's name as its source. */
  static load (dir: string = TERMBASE_DIR): Termbase {
    const tb = new Termbase()
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
      tb.add(parseLines(readFileSync(join(dir, file), 'utf8'), file), file.replace(/\.jsonl$/, ''))
    }
    return tb
  }
}

const EMPTY: ReadonlySet<string> = new Set()

/** Parses JSON Lines, naming the file and line of a bad one. */
export function parseLines (text: string, file: string): ConceptLine[] {
  const out: ConceptLine[] = []
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return
    try {
      out.push(JSON.parse(line) as ConceptLine)
    } catch (err) {
      throw new Error(`${file}:${i + 1}: not a JSON concept line (${(err as Error).message})`)
    }
  })
  return out
}

function union (into: string[], more: readonly string[] | undefined): string[] {
  for (const x of more ?? []) if (typeof x === 'string' && x && !into.includes(x)) into.push(x)
  return into
}
