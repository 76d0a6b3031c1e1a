import t from 'tap'
import { natureOf, themesNamed } from '../../fixtures/lib/org-nature.ts'
import { nameKey } from '../../fixtures/lib/names.ts'
import { THEMES, together } from '../../fixtures/lib/themes.ts'
import { loadSource, type Source } from '../../fixtures/lib/source.ts'
import { DEFAULT_SHARED_DATA_DIR, DEMO_RECORDS, generateRecords, type BulkLine } from '../../fixtures/generate.ts'
import { italianEscoLabels } from '../../fixtures/lib/esco-italian.ts'

const quiet = { log: () => {} }

async function organisations (lines: AsyncIterable<BulkLine>): Promise<BulkLine[]> {
  const out: BulkLine[] = []
  for await (const line of lines) if (line.kind === 'organizations') out.push(line)
  return out
}

t.test('what an organisation is comes from its name and legal form before its CORDIS type', async (t) => {
  const cases: Array<[name: string, type: 'HES' | 'PRC' | 'REC' | 'PUB' | 'OTH', kind: string, sector: string | undefined, theme: string | undefined]> = [
    // Valduce, Como: a hospital run by a congregation, declared REC for an ICT project
    ["Congregazione delle Suore Infermiere dell'Addolorata", 'REC', 'other', '86.10.10', 'health'],
    ['Provincia Lombardo Veneta - Ordine Ospedaliero di San Giovanni di Dio - Fatebenefratelli', 'REC', 'other', '86.10.10', 'health'],
    ['Ospedale San Raffaele Srl', 'PRC', 'company', '86.10.10', 'health'],
    ['Azienda Socio-Sanitaria Territoriale (ASST) di Monza', 'OTH', 'public_body', '86.10.10', 'health'],
    ["Fondazione IRCCS Ca' Granda - Ospedale Maggiore Policlinico", 'OTH', 'research_centre', '86.10.30', 'health'],
    ['Confindustria Lombardia', 'OTH', 'association', '94.11.00', undefined],
    ['Servizi Confindustria Bergamo Srl', 'PRC', 'company', undefined, undefined],
    ['Sindacato Unitario Nazionale Inquilini e Assegnatari', 'OTH', 'association', '94.20.00', 'social'],
    ['Legambiente Lombardia Onlus', 'OTH', 'association', '94.99.60', 'environment'],
    ['Politecnico di Milano', 'HES', 'university', undefined, undefined],
    ['Consiglio Nazionale delle Ricerche', 'REC', 'research_centre', undefined, undefined],
    ['Comune di Milano', 'OTH', 'public_body', undefined, undefined],
    ['Fondazione Umberto Veronesi', 'OTH', 'association', undefined, undefined],
    ['Trenitalia SpA', 'PRC', 'company', undefined, undefined]
  ]
  for (const [name, type, kind, sector, theme] of cases) {
    const n = natureOf(name, type)
    t.same({ kind: n.kind, sector: n.sector, theme: n.theme }, { kind, sector, theme }, `${name} (${type}): ${n.rule}`)
  }
})

t.test('the field a name reveals', async (t) => {
  const cases: Array<[string, string[]]> = [
    ['Trenitalia SpA', ['mobility']],
    ['Libera Università di Lingue e Comunicazione Iulm', ['culture']], // media, not telecommunications
    ['Ericsson Telecomunicazioni', ['iot']],
    ['Società per Azioni Esercizi Aeroportuali SEA SpA', ['mobility']], // airports, not aerospace
    ['Chimica Verde Bionet', ['materials']],
    ['DOMPE Farmaceutici SpA', ['health']], // not a farm
    ['Ministrstvo za izobrazevanje, znanost in sport', []], // "znanost" is not nanotechnology
    ['Obshtina Burgas', []],
    ['Scuola Normale Superiore', []]
  ]
  for (const [name, themes] of cases) t.same(themesNamed(name), themes, name)
  t.ok(natureOf('Camera di Commercio, Industria, Artigianato e Agricoltura di Milano', 'PUB').ignoreName, 'a chamber of commerce is not an agrifood body')
})

/** Theme keys of each competency phrase: the curated pairs in both languages and the source's ESCO labels, with their Italian forms. */
function phraseThemes (source: Source): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  const add = (phrase: string, key: string) => out.set(phrase, (out.get(phrase) ?? new Set()).add(key))
  for (const th of THEMES) for (const pair of th.competencies) for (const phrase of pair) add(phrase, th.key)
  for (const pools of [source.esco, source.escoSkills]) {
    for (const [key, labels] of Object.entries(pools)) {
      for (const l of labels) {
        add(l, key)
        const it = italianOf.get(l.toLowerCase())
        if (it) add(it, key)
      }
    }
  }
  return out
}
const italianOf = italianEscoLabels()

const RELIGIOUS = /\b(CONGREGAZION[EI]|SUORE|FRATI|ORDINE ?OSPEDALIERO|FATEBENEFRATELLI|DIOCESI|PARROCCHIA)\b/
const HOSPITAL = /\b(OSPEDALE|OSPEDALIERA|IRCCS|POLICLINICO|ASST|AZIENDA SOCIO SANITARIA|CASA DI CURA|ISTITUTO CLINICO|HOSPITAL|ZIEKENHUIS|KLINIKUM)\b/

/** Mismatches a reader from Lombardy would spot: kind against name, sector against kind, fields that do not go together. */
function mismatches (orgs: BulkLine[], source: Source): string[] {
  const themesOf = phraseThemes(source)
  const out: string[] = []
  for (const { id, record: r } of orgs) {
    const name = String(r.name)
    const n = nameKey(name)
    const kind = String(r.kind)
    const sectors = (r.sectors ?? []) as string[]
    const s3 = (r.s3Areas ?? []) as string[]
    if (RELIGIOUS.test(n) && ['research_centre', 'university', 'company'].includes(kind)) out.push(`${id} ${name}: a religious body as ${kind}`)
    if ((HOSPITAL.test(n) || (RELIGIOUS.test(n) && /INFERMIER|OSPEDAL|FATEBENEFRATELLI/.test(n))) && !/^86\.10/.test(sectors[0] ?? '')) {
      out.push(`${id} ${name}: a hospital with sector ${sectors[0]}`)
    }
    if (HOSPITAL.test(n) && !s3.includes('Salute e Life Science')) out.push(`${id} ${name}: a hospital outside the health ecosystem (${s3.join(', ')})`)
    if (kind === 'university' && !['85.42', '86.10'].includes(sectors[0]?.slice(0, 5) ?? '')) out.push(`${id} ${name}: a university with sector ${sectors[0]}`)
    if (kind !== 'company' && sectors[0]?.startsWith('94.12')) out.push(`${id} ${name}: ${kind} with a professional association's sector`)
    if (['94.11.00', '94.20.00'].includes(sectors[0] ?? '') && sectors.length > 1) out.push(`${id} ${name}: a federation or union with its members' sectors ${sectors.join(', ')}`)
    // Every field of its competencies must go with the field of the first one (the organisation's main field).
    const comps = ((r.competencies ?? []) as string[]).map((c) => themesOf.get(c)).filter((s): s is Set<string> => !!s)
    const main = comps[0]
    for (const other of comps.slice(1)) {
      if (main && ![...main].some((a) => [...other].some((b) => together(a, b)))) {
        out.push(`${id} ${name}: competencies in ${[...main].join('/')} and ${[...other].join('/')}`)
        break
      }
    }
  }
  return out
}

t.test('the demo organisations: kind, sector and competencies agree with what the name says', async (t) => {
  const shared = await organisations(generateRecords({ records: DEMO_RECORDS, sharedDataDir: DEFAULT_SHARED_DATA_DIR, ...quiet }))
  t.same(mismatches(shared, loadSource(DEFAULT_SHARED_DATA_DIR)).slice(0, 10), [], `${shared.length} organisations of the demo set`)
  const valduce = shared.find((l) => l.id === 'org-pic-996523487')
  if (valduce) {
    t.equal(valduce.record.kind, 'other', 'the Valduce congregation is not a research centre')
    t.ok((valduce.record.s3Areas as string[]).includes('Salute e Life Science'), 'and works in health')
  }
  const seed = await organisations(generateRecords({ records: 4000, sharedDataDir: null, ...quiet }))
  t.same(mismatches(seed, loadSource()).slice(0, 10), [], `${seed.length} organisations from the committed seed (real and synthetic)`)
  t.ok(seed.some((l) => l.id === 'org-pic-996523487' && l.record.kind === 'other'), 'the seed has the congregation too, as other')
})
