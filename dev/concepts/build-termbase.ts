// Writes the derived part of the termbase (src/concepts/termbase/), from public data and the demo:
//
//   npx tsx dev/concepts/build-termbase.ts
//
//   esco-skills.jsonl   ESCO 1.2.0 English (https://esco.ec.europa.eu, ESCO licence, attribution): the
//                       skills of the digital, green and research collections, with their preferred and
//                       alternative labels and broader skills; Italian labels come from the project's
//                       files (same ESCO URI) or from ESCO's own Italian CSV at run time (ESCO_DIR).
//   sectors.jsonl       NACE Rev.2 divisions, groups and classes (Eurostat, English) with the ATECO 2007
//                       label of the same code (ISTAT, Italian): the same classification in two languages.
//   demo-themes.jsonl   the demo generator's Italian/English competency and application pairs
//                       (fixtures/lib/themes.ts), written by the project.
//
// It reads SHARED_DATA_DIR (default ../shared/data); the files it writes are committed, so a clone
// needs none of this.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readCsv } from '../../fixtures/lib/csv.ts'
import { THEMES } from '../../fixtures/lib/themes.ts'
import { Termbase, parseLines } from '../../src/concepts/termbase.ts'
import { ConceptLinker } from '../../src/concepts/linker.ts'

/** The files this script writes (the others are written by hand). */
const DERIVED = ['esco-skills.jsonl', 'sectors.jsonl', 'demo-themes.jsonl']

const DATA = process.env.SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data')
const OUT = join(process.cwd(), 'src', 'concepts', 'termbase')
const ESCO = join(DATA, 'taxonomies', 'esco-en-1.2.0-partial')

/** The project's id rule for a concept ESCO lacks (the termbase brief uses the same). */
export const projectId = (english: string) => 'oi:' + english.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '')

const words = (s: string) => s.split(/\s+/).filter(Boolean).length

function write (file: string, lines: object[]): void {
  writeFileSync(join(OUT, file), lines.map((l) => JSON.stringify(l)).join('\n') + '\n')
  console.log(`${file}: ${lines.length} concepts`)
}

/** The project's own files (not the derived ones), linked: what the derived files defer to. */
function projectLinker (): ConceptLinker {
  const written = new Termbase()
  for (const file of readdirSync(OUT).filter((f) => f.endsWith('.jsonl') && !DERIVED.includes(f)).sort()) written.add(parseLines(readFileSync(join(OUT, file), 'utf8'), file), file)
  return new ConceptLinker(written)
}

function esco (): void {
  // An ESCO alternative label that is a label of another concept of the project's files is left out:
  // ESCO lists narrower things among a skill's alternatives ("edge computing" under cloud
  // technologies), and the project keeps them apart.
  const project = projectLinker()
  const elsewhere = (label: string, uri: string) => project.link(label).concepts.some((c) => c.coverage === 1 && c.id !== uri)
  const byUri = new Map<string, { id: string, type: string, en: string[], broader: string[] }>()
  for (const file of ['digitalSkillsCollection_en.csv', 'greenSkillsCollection_en.csv', 'researchSkillsCollection_en.csv']) {
    for (const r of readCsv(join(ESCO, file))) {
      if (!r.conceptUri || !r.preferredLabel || byUri.has(r.conceptUri)) continue
      const labels = [r.preferredLabel, ...(r.altLabels ?? '').split(/\s*\|\s*|\n/)].map((s) => s.trim())
        // Names, not definitions; a one-word label only when it is a name (capitals or digits: "Haskell", "SPARQL"),
        // since a common word alone ("communication") would link every phrase that holds it.
        .filter((s, i, all) => s && words(s) <= 6 && (words(s) > 1 || /[A-Z0-9]/.test(s)) && all.findIndex((o) => o.toLowerCase() === s.toLowerCase()) === i)
        .filter((s, i) => i === 0 || !elsewhere(s, r.conceptUri as string))
      if (labels.length === 0) continue
      const broader = (r.broaderConceptUri ?? '').split(/\s*\|\s*/).filter((u) => u.includes('/esco/skill/'))
      byUri.set(r.conceptUri, { id: r.conceptUri, type: r.skillType === 'knowledge' ? 'field' : 'competency', en: labels, broader })
    }
  }
  write('esco-skills.jsonl', [...byUri.values()].sort((a, b) => (a.id < b.id ? -1 : 1)))
}

function sectors (): void {
  const ateco = new Map<string, string>()
  for (const r of readCsv(join(DATA, 'taxonomies', 'ateco-2007', 'ateco2007_all_levels.csv'))) {
    if (r.codice_ateco && r.descrizione_ateco) ateco.set(r.codice_ateco, r.descrizione_ateco)
  }
  const tidy = (s: string) => {
    const t = s.replace(/\s*\(.*?\)\s*/g, ' ').replace(/\s+/g, ' ').replace(/\s+,/g, ',').trim()
    return t === t.toUpperCase() ? t.charAt(0) + t.slice(1).toLowerCase() : t
  }
  const lines: object[] = []
  for (const r of readCsv(join(DATA, 'taxonomies', 'nace-rev2', 'nace_rev2.csv'))) {
    const level = Number(r.Level)
    if (level < 2 || level > 4 || !r.Code || !r.Description) continue
    const it = ateco.get(r.Code)
    if (!it) continue
    lines.push({
      id: `nace:${r.Code}`,
      type: 'sector',
      en: [tidy(r.Description)],
      it: [tidy(it)],
      ...(level > 2 && r.Parent ? { broader: [`nace:${r.Parent}`] } : {}),
      nace: [r.Code]
    })
  }
  write('sectors.jsonl', lines)
}

function themes (): void {
  // A pair the project's own files already name keeps that concept's id (the English label first, then
  // the Italian one): the demo's phrases then link to one concept, not two.
  const linker = projectLinker()
  // The concept both labels name as a whole, else the one concept the English (then the Italian)
  // label names; when a label names several, a project id of its own.
  const idOf = (it: string, en: string) => {
    const whole = (label: string) => linker.link(label).concepts.filter((c) => c.coverage === 1).map((c) => c.id)
    const [byEn, byIt] = [whole(en), whole(it)]
    const both = byEn.filter((id) => byIt.includes(id))
    if (both.length > 0) return both[0] as string
    if (byEn.length === 1) return byEn[0] as string
    if (byEn.length === 0 && byIt.length === 1) return byIt[0] as string
    return projectId(en)
  }
  const lines: object[] = []
  for (const t of THEMES) {
    const themeId = projectId(t.label[1])
    lines.push({ id: themeId, type: 'application', it: [t.label[0]], en: [t.label[1]], s3: t.s3 })
    for (const [it, en] of t.competencies) lines.push({ id: idOf(it, en), type: 'competency', it: [it], en: [en], broader: [themeId], s3: t.s3 })
    for (const [it, en] of t.applications) {
      // "il controllo qualità in linea" → "controllo qualità in linea": the label without its article.
      const label = it.replace(/^(il|lo|la|i|gli|le|l')\s*/i, '')
      lines.push({ id: idOf(label, en), type: 'application', it: [label], en: [en], s3: t.s3 })
    }
  }
  // Two pairs that name one concept become one line (labels united).
  const byId = new Map<string, Record<string, any>>()
  for (const l of lines as Array<Record<string, any>>) {
    const held = byId.get(l.id)
    if (!held) { byId.set(l.id, l); continue }
    for (const key of ['it', 'en', 'broader', 's3']) if (l[key]) held[key] = [...new Set([...(held[key] ?? []), ...l[key]])]
  }
  write('demo-themes.jsonl', [...byId.values()])
}

esco()
sectors()
themes()
