import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Lang, Termbase } from './termbase.ts'

/**
 * Reads the official ESCO skills CSV of one language (`skills_<lang>.csv` of the ESCO download:
 * conceptUri, preferredLabel, altLabels with one label a line) and adds its labels to the concepts
 * the termbase holds under the same ESCO URI. That is how a deployment gets ESCO's own Italian
 * labels (docs/data.md): the termbase ships ESCO's English subset and the project's Italian labels.
 * Skills the termbase does not hold are added too when `addAll` is set (type competency, no links).
 */
export function readEscoSkills (file: string, lang: Lang): Array<{ id: string, labels: string[] }> {
  const rows = parseCsv(readFileSync(file, 'utf8'))
  const header = rows.shift() ?? []
  const col = (name: string) => {
    const i = header.indexOf(name)
    if (i < 0) throw new Error(`${file}: no "${name}" column (an ESCO skills_${lang}.csv has conceptUri, preferredLabel, altLabels)`)
    return i
  }
  const uri = col('conceptUri')
  const preferred = col('preferredLabel')
  const alt = col('altLabels')
  const out: Array<{ id: string, labels: string[] }> = []
  for (const r of rows) {
    const id = r[uri]?.trim()
    const labels = [r[preferred] ?? '', ...(r[alt] ?? '').split(/\n|\s\|\s/)].map((s) => s.trim()).filter(Boolean)
    if (id && labels.length > 0) out.push({ id, labels })
  }
  return out
}

/** Adds the labels of `skills_it.csv` and `skills_en.csv` found in `dir` to the termbase; returns how many concepts gained labels. */
export function mergeEscoLabels (termbase: Termbase, dir: string, addAll = false): number {
  let merged = 0
  for (const lang of ['it', 'en'] as const) {
    const file = join(dir, `skills_${lang}.csv`)
    if (!existsSync(file)) continue
    const lines = readEscoSkills(file, lang).filter((s) => addAll || termbase.concepts.has(s.id)).map((s) => ({ id: s.id, [lang]: s.labels }))
    merged += lines.length
    termbase.add(lines, `esco-${lang}-csv`)
  }
  return merged
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and new lines. */
export function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') { field += '"'; i++ } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') { row.push(field); field = '' } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++
      row.push(field); rows.push(row); row = []; field = ''
    } else field += ch
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row) }
  return rows
}
