import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Termbase } from '../../src/concepts/termbase.ts'
import { ConceptLinker } from '../../src/concepts/linker.ts'
import { mergeEscoLabels, readEscoSkills } from '../../src/concepts/esco-csv.ts'
import { tempDir } from '../helpers/services.ts'

// A sample in the shape of ESCO's own skills_it.csv (written here: the real file is not shipped).
const HASKELL = 'http://data.europa.eu/esco/skill/000f1d3d-220f-4789-9c0a-cc742521fb02'
const SAMPLE = '\ufeffconceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,hiddenLabels,status\n' +
  `KnowledgeSkillCompetence,${HASKELL},knowledge,sector-specific,Haskell,"tecniche di programmazione Haskell\nprogrammazione in Haskell",,released\n` +
  'KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/ffffffff-0000-0000-0000-000000000000,skill/competence,cross-sector,"gestire i fornitori, con ""attenzione""",,,released\n'

t.test('the ESCO CSV reader reads labels, quoted fields and multi-line alternatives, and joins them to the termbase', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'skills_it.csv'), SAMPLE)
  const read = readEscoSkills(join(dir, 'skills_it.csv'), 'it')
  t.equal(read.length, 2)
  t.same(read[0]?.labels, ['Haskell', 'tecniche di programmazione Haskell', 'programmazione in Haskell'])
  t.same(read[1]?.labels, ['gestire i fornitori, con "attenzione"'])

  const tb = Termbase.load()
  const before = new ConceptLinker(tb).link('programmazione in Haskell').concepts.map((c) => c.id)
  t.equal(mergeEscoLabels(tb, dir), 1, 'only the concept the termbase holds gains labels')
  t.ok(tb.get(HASKELL)?.labels.it.includes('programmazione in Haskell'))
  t.notOk(tb.get('http://data.europa.eu/esco/skill/ffffffff-0000-0000-0000-000000000000'))
  const after = new ConceptLinker(tb).link('programmazione in Haskell').concepts.map((c) => c.id)
  t.ok(after.includes(HASKELL), `links once the Italian labels are in (before: ${before.join(', ') || 'nothing'})`)
})

t.test('a file without the ESCO columns is refused with the column named', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'skills_it.csv'), 'uri,label\nx,y\n')
  t.throws(() => readEscoSkills(join(dir, 'skills_it.csv'), 'it'), /no "conceptUri" column/)
})
