import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { TERMBASE_DIR, parseLines, Termbase } from '../../src/concepts/termbase.ts'

const DERIVED = new Set(['esco-skills.jsonl', 'sectors.jsonl', 'demo-themes.jsonl'])

t.test('every termbase file is valid JSON Lines with ids of the three kinds', async (t) => {
  const files = readdirSync(TERMBASE_DIR).filter((f) => f.endsWith('.jsonl'))
  t.ok(files.length >= 8, `${files.length} files`)
  for (const file of files) {
    const lines = parseLines(readFileSync(join(TERMBASE_DIR, file), 'utf8'), file)
    const ids = new Set<string>()
    for (const c of lines) {
      if (!/^(http:\/\/data\.europa\.eu\/esco\/skill\/[0-9a-f-]+|oi:[\p{L}\p{N}-]+|nace:[0-9.]+)$/u.test(c.id)) t.fail(`${file}: bad id ${c.id}`)
      if (ids.has(c.id)) t.fail(`${file}: ${c.id} twice`)
      ids.add(c.id)
      // The project's own files and the sectors are bilingual; the ESCO subset is English (Italian from ESCO_DIR or the project's files).
      if (file !== 'esco-skills.jsonl' && (!(c.it?.length) || !(c.en?.length))) t.fail(`${file}: ${c.id} lacks Italian or English labels`)
    }
    t.ok(lines.length > 0, `${file}: ${lines.length} concepts`)
  }
})

t.test('the merged termbase holds thousands of concepts, most of them bilingual, linked to one another', async (t) => {
  const tb = Termbase.load()
  const all = [...tb.concepts.values()]
  const bilingual = all.filter((c) => c.labels.it.length > 0 && c.labels.en.length > 0)
  t.ok(all.length >= 4000, `${all.length} concepts`)
  t.ok(bilingual.length >= 2500, `${bilingual.length} with Italian and English labels`)
  const projectWritten = all.filter((c) => c.sources.some((s) => !DERIVED.has(`${s}.jsonl`)))
  t.ok(projectWritten.length >= 1500, `${projectWritten.length} from the project's own files`)
  const linked = all.filter((c) => tb.neighboursOf(c.id).size > 0)
  t.ok(linked.length >= all.length / 2, `${linked.length} with a broader, narrower or related concept`)
})
