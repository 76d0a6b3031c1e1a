/**
 * The public data sets the benchmarks, the phrase calibration and the demo generator read from
 * SHARED_DATA_DIR: where each comes from, under which licence, who reads it, and how
 * `npm run data:fetch` rebuilds the files from the public source (docs/data.md says the same in prose).
 */
import { createWriteStream, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip, gunzipSync, gzipSync } from 'node:zlib'
import { parseCsv } from '../../fixtures/lib/csv.ts'
import { findEntry, openEntry, zipEntries } from './zip.ts'

export interface BuildContext {
  /** SHARED_DATA_DIR. */
  dir: string
  /** Downloads `url` to a temporary file and returns its path; the error names the URL. */
  download: (url: string) => Promise<string>
}

export interface DataSet {
  id: string
  title: string
  /** Files it provides, relative to SHARED_DATA_DIR. */
  files: string[]
  /** Where the data set is described. */
  home: string
  licence: string
  /** Who reads it. */
  usedBy: string[]
  /** Rebuilt from these public downloads by `build`, or obtained by hand (`manual`: what to do). */
  downloads?: string[]
  build?: (ctx: BuildContext) => Promise<void>
  manual?: string
  /** How the fetched files differ from the copy the recorded figures were measured on. */
  note?: string
}

export const BEIR_SCIFACT_URL = 'https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/scifact.zip'
/** zambujo/eunets at the commit that holds its prepared H2020 tables (CORDIS dump of 2020-12-14). */
export const EUNETS_DATA_URL = 'https://raw.githubusercontent.com/zambujo/eunets/53b09e60f112ef614bb7934b0adb03d0bf325ae6/data'
export const CORDIS_H2020_URL = 'https://cordis.europa.eu/data/cordis-h2020projects-csv.zip'
export const CORDIS_HORIZON_URL = 'https://cordis.europa.eu/data/cordis-HORIZONprojects-csv.zip'

const ESCO_FILES = [
  'digitalSkillsCollection_en.csv', 'greenSkillsCollection_en.csv', 'researchSkillsCollection_en.csv',
  'transversalSkillsCollection_en.csv', 'digCompSkillsCollection_en.csv', 'skillGroups_en.csv'
]

export const DATA_SETS: DataSet[] = [
  {
    id: 'scifact',
    title: 'BEIR SciFact (train split)',
    files: ['scifact/corpus.jsonl.gz', 'scifact/queries_train.jsonl', 'scifact/qrels_train.tsv'],
    home: 'https://github.com/beir-cellar/beir (data: https://github.com/allenai/scifact)',
    licence: 'CC BY-NC 2.0 (allenai/scifact); evaluation only',
    usedBy: ['npm run bench:quality (bench/quality.ts)', 'bench/scifact-eval.ts', 'bench/long-documents.ts', 'npm run bench:embed (its sentences)'],
    downloads: [BEIR_SCIFACT_URL],
    note: 'Only the train claims and judgements are written: the test split stays out on purpose (tune on train only).',
    build: async ({ dir, download }) => {
      const zip = await download(BEIR_SCIFACT_URL)
      const entries = zipEntries(zip)
      const entry = (name: string) => {
        const e = findEntry(entries, name)
        if (!e) throw new Error(`${BEIR_SCIFACT_URL}: no ${name} in the archive`)
        return e
      }
      const qrels = await text(openEntry(zip, entry('qrels/train.tsv')))
      const train = new Set(qrels.split('\n').slice(1).map((l) => l.split('\t')[0]).filter(Boolean))
      const queries = (await text(openEntry(zip, entry('queries.jsonl')))).split('\n').filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { _id: string, text: string })
        .filter((q) => train.has(q._id))
        .map((q) => JSON.stringify({ _id: q._id, text: q.text }))
      await writeStream(join(dir, 'scifact/corpus.jsonl.gz'), openEntry(zip, entry('corpus.jsonl')).pipe(createGzip()))
      writeAtomic(join(dir, 'scifact/queries_train.jsonl'), queries.join('\n') + '\n')
      writeAtomic(join(dir, 'scifact/qrels_train.tsv'), qrels.endsWith('\n') ? qrels : qrels + '\n')
    }
  },
  {
    id: 'h2020',
    title: 'Horizon 2020 participations and programme areas (CORDIS, prepared by zambujo/eunets)',
    files: ['h2020/participations_until_2018.csv.gz', 'h2020/programme_parts.csv.gz'],
    home: 'https://github.com/zambujo/eunets',
    licence: 'MIT (zambujo/eunets); CORDIS data © European Union, reuse under Commission Decision 2011/833/EU',
    usedBy: ['bench/h2020-partners.ts (npm run bench:quality)', 'the demo data (fixtures/generate.ts, fixtures/build-seed.ts)', 'docs/ranking.md (the trained-ranker figures)'],
    downloads: [`${EUNETS_DATA_URL}/h2020.csv.gz`, `${EUNETS_DATA_URL}/programme_parts.csv.gz`],
    note: 'Participations of projects that started up to 2018 (and the few with no start date): later projects stay out on purpose, for a split inside the data.',
    build: async ({ dir, download }) => {
      const all = gunzipSync(readFileSync(await download(`${EUNETS_DATA_URL}/h2020.csv.gz`))).toString('utf8')
      writeAtomic(join(dir, 'h2020/participations_until_2018.csv.gz'), gzipSync(participationsUntil(all, 2018)))
      const parts = readFileSync(await download(`${EUNETS_DATA_URL}/programme_parts.csv.gz`))
      gunzipSync(parts) // a truncated download fails here, not in a benchmark
      writeAtomic(join(dir, 'h2020/programme_parts.csv.gz'), parts)
    }
  },
  {
    id: 'h2020-names',
    title: 'Horizon 2020 organisation names (CORDIS organisations table)',
    files: ['h2020/orgs_names_a.csv', 'h2020/orgs_names_b.csv'],
    home: 'https://data.europa.eu/data/datasets/cordish2020projects',
    licence: 'CORDIS data © European Union, reuse under Commission Decision 2011/833/EU',
    usedBy: ['bench/h2020-partners.ts', 'the demo data (fixtures/generate.ts)'],
    downloads: [CORDIS_H2020_URL],
    note: 'The copy the recorded figures used holds two partial name lists prepared by others (about 84% of participations named; ' +
      'the second states no licence). The fetch writes every organisation of the official table into orgs_names_a.csv and leaves ' +
      'orgs_names_b.csv with its header only, so more projects have every participant named and the demo set and the H2020 figures can differ slightly.',
    build: async ({ dir, download }) => {
      const zip = await download(CORDIS_H2020_URL)
      const entry = findEntry(zipEntries(zip), 'organization.csv')
      if (!entry) throw new Error(`${CORDIS_H2020_URL}: no organization.csv in the archive`)
      writeAtomic(join(dir, 'h2020/orgs_names_a.csv'), organisationNames(await text(openEntry(zip, entry))))
      writeAtomic(join(dir, 'h2020/orgs_names_b.csv'), 'pic,country,name,address\n')
    }
  },
  {
    id: 'horizon-europe-sample',
    title: 'Horizon Europe projects and organisations, first 100 rows (CORDIS)',
    files: ['cordis-samples/horizon-europe-first-100/project_df_100.csv', 'cordis-samples/horizon-europe-first-100/organization_df_100.csv'],
    home: 'https://data.europa.eu/data/datasets/cordis-eu-research-projects-under-horizon-europe-2021-2027',
    licence: 'CORDIS data © European Union, reuse under Commission Decision 2011/833/EU',
    usedBy: ['the demo data (real project titles and objectives)'],
    downloads: [CORDIS_HORIZON_URL],
    note: 'CORDIS updates the tables monthly, so the first 100 rows are not the ones of the recorded copy.',
    build: async ({ dir, download }) => {
      const zip = await download(CORDIS_HORIZON_URL)
      const entries = zipEntries(zip)
      for (const table of ['project', 'organization']) {
        const entry = findEntry(entries, `${table}.csv`)
        if (!entry) throw new Error(`${CORDIS_HORIZON_URL}: no ${table}.csv in the archive`)
        writeAtomic(join(dir, `cordis-samples/horizon-europe-first-100/${table}_df_100.csv`), firstRows(await text(openEntry(zip, entry)), 100, ';'))
      }
    }
  },
  {
    id: 'citizen-science',
    title: 'CORDIS citizen-science projects (22 FP7/H2020 projects with their participants)',
    files: ['cordis-samples/citizen-science-22/cordis_projects.csv', 'cordis-samples/citizen-science-22/cordis_projects_and_participants.csv'],
    home: 'https://cordis.europa.eu/',
    licence: 'CC BY 4.0',
    usedBy: ['the demo data (real project titles, objectives and consortia)'],
    manual: 'no stable public download is known for this extract; the demo works without it (the other real projects and the seed remain). ' +
      'Copy the two files from a machine that has them.'
  },
  {
    id: 'esco',
    title: 'ESCO 1.2.0 skills, English (skill collections and skill groups)',
    files: ESCO_FILES.map((f) => `taxonomies/esco-en-1.2.0-partial/${f}`),
    home: 'https://esco.ec.europa.eu/en/use-esco/download',
    licence: 'European Commission reuse policy (Decision 2011/833/EU), with the attribution "This service uses the ESCO classification of the European Commission"',
    usedBy: ['npm run models:calibrate (dev/models/calibrate-phrases.ts)', 'the demo data (ESCO labels among the competencies)'],
    manual: 'ESCO is downloaded through a form: on the page above choose version 1.2.0, English, CSV, then unzip ' +
      `${ESCO_FILES.join(', ')} into taxonomies/esco-en-1.2.0-partial/. Without them the demo uses the ESCO sample committed in fixtures/seed/.`
  },
  {
    id: 'ateco',
    title: 'ATECO 2007 (ISTAT classification of economic activities), all levels',
    files: ['taxonomies/ateco-2007/ateco2007_all_levels.csv'],
    home: 'https://www.istat.it/classificazione/classificazione-delle-attivita-economiche-ateco/',
    licence: 'public classification (ISTAT)',
    usedBy: ['the demo data (sector descriptions)'],
    manual: 'ISTAT publishes ATECO as a spreadsheet; save its code and description columns as codice_ateco,descrizione_ateco (UTF-8 CSV). ' +
      'Without it the demo uses the codes committed in fixtures/seed/taxonomies.json.'
  },
  {
    id: 'esco-labels',
    title: 'ESCO skills with their Italian and English labels (skills_it.csv, skills_en.csv), for ESCO_DIR',
    files: ['esco-labels/skills_it.csv', 'esco-labels/skills_en.csv'],
    home: 'https://esco.ec.europa.eu/en/use-esco/download',
    licence: 'European Commission reuse policy (Decision 2011/833/EU), with the attribution "This service uses the ESCO classification of the European Commission"',
    usedBy: ['the service, with ESCO_DIR=<SHARED_DATA_DIR>/esco-labels: ESCO\'s own labels join the termbase\'s concepts of the same URI (src/concepts/esco-csv.ts, docs/concepts.md)'],
    manual: 'ESCO is downloaded through a form: on the page above choose the current version, CSV, once in Italian and once in English; ' +
      'from each archive copy skills_it.csv / skills_en.csv into esco-labels/, and start the service with ESCO_DIR pointing there. ' +
      'Without them the termbase has ESCO\'s English labels (src/concepts/termbase/esco-skills.jsonl) and the project\'s own Italian ones.'
  }
]

/** Data sets the shared folder may hold that nothing in the repository reads (listed in docs/data.md). */
export const NOT_READ = [
  'taxonomies/nace-rev2/ (NACE Rev. 2, Eurostat): the four-digit NACE classes are the first four digits of the ATECO codes',
  'taxonomies/lombardy-s3/lombardy_s3_ecosystems.csv (Regione Lombardia, https://s3.regione.lombardia.it/wps/portal/site/s3/attuazione): the eight ecosystems are also in fixtures/lib/themes.ts, which the generator falls back to',
  'taxonomies/euroscivoc_horizon_europe_projects.csv.gz, taxonomies/horizon_europe_project_topics.csv (CORDIS)',
  'cordis-samples/horizon-europe-first-100/ euroSciVoc, topics, publications and summaries tables',
  'taxonomies/esco-en-1.2.0-partial/ occupations, hierarchy and relation files'
]

// ---------------------------------------------------------------------------------------------------
// transformations (exported for the tests)

/** The participations of projects that started up to `year` (rows without a start year are kept). */
export function participationsUntil (csv: string, year: number): string {
  const rows = parseCsv(csv)
  const header = rows[0]
  const col = header?.indexOf('start_year') ?? -1
  if (!header || col < 0) throw new Error('h2020.csv: no start_year column')
  const kept = rows.slice(1).filter((r) => r.length === header.length && (r[col] === 'NA' || r[col] === '' || Number(r[col]) <= year))
  return toCsv([header, ...kept])
}

/** CORDIS organization.csv (';'-separated, one row per participation) -> one row per PIC with its name and place. */
export function organisationNames (csv: string): string {
  const [header, ...rows] = parseCsv(csv, ';')
  if (!header) throw new Error('organization.csv is empty')
  const at = (name: string) => header.indexOf(name)
  const pic = at('organisationID') >= 0 ? at('organisationID') : at('id')
  const fields = ['name', 'shortName', 'activityType', 'country', 'city', 'postCode', 'street'].map(at)
  if (pic < 0 || fields[0]! < 0) throw new Error('organization.csv: no organisationID/id or name column')
  const seen = new Set<string>()
  const out: string[][] = [['orgId', 'name', 'shortName', 'activityType', 'country', 'city', 'postCode', 'street']]
  for (const r of rows) {
    const id = (r[pic] ?? '').trim()
    if (!/^\d{9}$/.test(id) || seen.has(id)) continue
    seen.add(id)
    out.push([id, ...fields.map((i) => (i >= 0 ? (r[i] ?? '').trim() : ''))])
  }
  return toCsv(out)
}

/** The header and the first `n` records of a CSV, written comma-separated. */
export function firstRows (csv: string, n: number, delimiter = ','): string {
  const rows = parseCsv(csv, delimiter).filter((r) => !(r.length === 1 && r[0] === ''))
  return toCsv(rows.slice(0, n + 1))
}

export function toCsv (rows: string[][]): string {
  const cell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n'
}

// ---------------------------------------------------------------------------------------------------
// files: written whole or not at all, so a failed fetch never leaves a file that looks complete

function writeAtomic (path: string, data: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path + '.part', data)
  renameSync(path + '.part', path)
}

async function writeStream (path: string, from: Readable): Promise<void> {
  mkdirSync(dirname(path), { recursive: true })
  try {
    await pipeline(from, createWriteStream(path + '.part'))
    renameSync(path + '.part', path)
  } catch (err) {
    rmSync(path + '.part', { force: true })
    throw err
  }
}

async function text (from: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of from) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
