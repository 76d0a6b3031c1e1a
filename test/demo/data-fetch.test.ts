import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib'
import { fetchData, listing, select, stateOf } from '../../dev/data/fetch.ts'
import { BEIR_SCIFACT_URL, CORDIS_H2020_URL, CORDIS_HORIZON_URL, DATA_SETS, EUNETS_DATA_URL, firstRows, organisationNames, participationsUntil } from '../../dev/data/sources.ts'
import { findEntry, openEntry, zipEntries } from '../../dev/data/zip.ts'
import { parseCsv } from '../../fixtures/lib/csv.ts'
import { generateRecords } from '../../fixtures/generate.ts'

const quiet = () => {}
const tempDir = () => mkdtempSync(join(tmpdir(), 'data-fetch-test-'))

/** A zip archive of deflated entries, written the way zip tools write them (local headers, central directory, end record). */
function zip (files: Record<string, string>): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content)
    const packed = deflateRawSync(data)
    const nameBytes = Buffer.from(name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(8, 8)
    local.writeUInt32LE(crc32(data), 14)
    local.writeUInt32LE(packed.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(8, 10)
    central.writeUInt32LE(crc32(data), 16)
    central.writeUInt32LE(packed.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, packed)
    centrals.push(central, nameBytes)
    offset += 30 + nameBytes.length + packed.length
  }
  const dir = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(Object.keys(files).length, 8)
  end.writeUInt16LE(Object.keys(files).length, 10)
  end.writeUInt32LE(dir.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, dir, end])
}

t.test('the listing names every data set with its licence, readers and source, and whether it is there', async (t) => {
  const dir = tempDir()
  const text = listing(dir)
  for (const s of DATA_SETS) {
    t.match(text, `${s.id} [missing]: ${s.title}`, `${s.id} listed as missing`)
    t.match(text, s.licence, `${s.id}: its licence`)
    t.ok(s.usedBy.length > 0, `${s.id}: says who reads it`)
  }
  t.match(text, BEIR_SCIFACT_URL)
  t.throws(() => select(['no-such-set']), /unknown data set no-such-set/)
})

t.test('a dry run says what it would download and writes nothing', async (t) => {
  const dir = tempDir()
  const lines: string[] = []
  const reports = await fetchData({ dir, dryRun: true, fetchImpl: () => { throw new Error('a dry run must not download') }, log: (l) => lines.push(l) })
  t.same(reports.map((r) => r.outcome), DATA_SETS.map((s) => (s.build ? 'would fetch' : 'manual')))
  t.match(lines.join('\n'), `would download ${BEIR_SCIFACT_URL}`)
  t.same(readdirSync(dir), [], 'nothing written')
})

t.test('without the internet every data set fails on its own, naming its source and the error', async (t) => {
  const dir = tempDir()
  const offline = (async () => { throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }) }) as unknown as typeof fetch
  const reports = await fetchData({ dir, fetchImpl: offline, log: quiet })
  for (const s of DATA_SETS.filter((s) => s.build)) {
    const r = reports.find((x) => x.id === s.id)
    t.equal(r?.outcome, 'failed', `${s.id} failed`)
    t.match(r?.message, s.title, `${s.id}: names the data set`)
    t.match(r?.message, s.downloads![0]!, `${s.id}: names the URL`)
    t.match(r?.message, 'ENOTFOUND', `${s.id}: gives the error`)
  }
  t.same(readdirSync(dir), [], 'no half-written files')

  const notFound = (async () => new Response('gone', { status: 404, statusText: 'Not Found' })) as unknown as typeof fetch
  const [scifact] = await fetchData({ dir, only: ['scifact'], fetchImpl: notFound, log: quiet })
  t.match(scifact?.message, `could not download ${BEIR_SCIFACT_URL}: HTTP 404 Not Found`)
})

t.test('from the public files to the layout the benchmarks and the generator read', async (t) => {
  const dir = tempDir()
  const corpus = [{ _id: '4983', title: 'White matter', text: 'Diffusion tensor imaging of newborns.', metadata: {} }, { _id: '5836', title: 'Antibodies', text: 'A study.', metadata: {} }]
  const participations = [
    'rcn,role,pic,type,contribution,country,start_date,end_date,max_contribution,total_cost,start_year,end_year,duration,group,nunique',
    '207027,coordinator,999979500,REC,100,IT,2017-01-01,2020-12-31,5,5,2017,2020,48,eu15,2',
    '207027,participant,996523487,REC,50,IT,2017-01-01,2020-12-31,5,5,2017,2020,48,eu15,2',
    '900001,coordinator,999979500,REC,10,IT,2019-03-01,2021-02-28,5,5,2019,2021,24,eu15,1',
    '900002,coordinator,999979500,REC,10,IT,NA,NA,5,5,NA,NA,NA,eu15,1'
  ].join('\n') + '\n'
  const organisations = [
    'projectID;projectAcronym;role;organisationID;vatNumber;name;shortName;SME;activityType;street;postCode;city;country',
    '730000;X;coordinator;999979500;;CONSIGLIO NAZIONALE DELLE RICERCHE;CNR;false;REC;"Piazzale Aldo Moro; 7";00185;ROMA;IT',
    '730000;X;participant;996523487;;CONGREGAZIONE DELLE SUORE INFERMIERE DELL ADDOLORATA;VALDUCE;false;REC;Via Dante 11;22100;Como;IT',
    '730001;Y;participant;999979500;;CONSIGLIO NAZIONALE DELLE RICERCHE;CNR;false;REC;Piazzale Aldo Moro 7;00185;ROMA;IT'
  ].join('\n') + '\n'
  const served: Record<string, Buffer> = {
    [BEIR_SCIFACT_URL]: zip({
      'scifact/corpus.jsonl': corpus.map((d) => JSON.stringify(d)).join('\n') + '\n',
      'scifact/queries.jsonl': ['{"_id": "0", "text": "0-dimensional biomaterials lack inductive properties.", "metadata": {}}', '{"_id": "1", "text": "A test claim.", "metadata": {}}'].join('\n') + '\n',
      'scifact/qrels/train.tsv': 'query-id\tcorpus-id\tscore\n0\t4983\t1\n',
      'scifact/qrels/test.tsv': 'query-id\tcorpus-id\tscore\n1\t5836\t1\n'
    }),
    [`${EUNETS_DATA_URL}/h2020.csv.gz`]: gzipSync(participations),
    [`${EUNETS_DATA_URL}/programme_parts.csv.gz`]: gzipSync('rcn,programme_part\n207027,LEIT\n900001,SC1\n'),
    [CORDIS_H2020_URL]: zip({ 'csv/organization.csv': organisations, 'csv/project.csv': 'id;title\n' }),
    [CORDIS_HORIZON_URL]: zip({
      'project.csv': 'id;acronym;title;legalBasis;objective;startDate;endDate\n101116741;DOE;"Title; with a semicolon";HORIZON.1.2;Objective;2024-01-01;2027-12-31\n',
      'organization.csv': 'projectID;organisationID;name;activityType;role;country;city;postCode;SME\n101116741;999981634;WAGENINGEN UNIVERSITY;HES;coordinator;NL;Wageningen;6708 PB;False\n'
    })
  }
  const asked: string[] = []
  const local = (async (url: string) => {
    asked.push(url)
    const body = served[url]
    return body ? new Response(new Uint8Array(body)) : new Response('not here', { status: 404, statusText: 'Not Found' })
  }) as unknown as typeof fetch

  const reports = await fetchData({ dir, fetchImpl: local, log: quiet })
  t.same(reports.filter((r) => r.outcome === 'failed'), [], 'every downloadable data set fetched')
  t.same(asked.sort(), Object.keys(served).sort(), 'each public file downloaded once')
  for (const s of DATA_SETS.filter((s) => s.build)) t.equal(stateOf(s, dir), 'present', `${s.id} present`)

  const docs = gunzipSync(readFileSync(join(dir, 'scifact/corpus.jsonl.gz'))).toString().trim().split('\n').map((l) => JSON.parse(l))
  t.same(docs.map((d) => d._id), ['4983', '5836'], 'the whole corpus')
  t.equal(readFileSync(join(dir, 'scifact/queries_train.jsonl'), 'utf8'), '{"_id":"0","text":"0-dimensional biomaterials lack inductive properties."}\n', 'train claims only')
  t.equal(readFileSync(join(dir, 'scifact/qrels_train.tsv'), 'utf8'), 'query-id\tcorpus-id\tscore\n0\t4983\t1\n', 'train judgements only')

  const kept = parseCsv(gunzipSync(readFileSync(join(dir, 'h2020/participations_until_2018.csv.gz'))).toString()).map((r) => r[0])
  t.same(kept, ['rcn', '207027', '207027', '900002'], 'projects started up to 2018, and the one without a date')
  const names = parseCsv(readFileSync(join(dir, 'h2020/orgs_names_a.csv'), 'utf8'))
  t.same(names.map((r) => [r[0], r[1], r[5]]), [['orgId', 'name', 'city'], ['999979500', 'CONSIGLIO NAZIONALE DELLE RICERCHE', 'ROMA'], ['996523487', 'CONGREGAZIONE DELLE SUORE INFERMIERE DELL ADDOLORATA', 'Como']], 'one row per organisation')
  t.same(parseCsv(readFileSync(join(dir, 'cordis-samples/horizon-europe-first-100/project_df_100.csv'), 'utf8'))[1]?.[2], 'Title; with a semicolon', 'CORDIS tables rewritten with commas')

  // The generator takes the fetched folder as shared data (ESCO and ATECO from the seed, which cannot be fetched).
  const messages: string[] = []
  const lines = []
  for await (const l of generateRecords({ records: 300, sharedDataDir: dir, log: (m) => messages.push(m) })) lines.push(l)
  t.match(messages.join('\n'), `using the shared public data at ${dir}`)
  const valduce = lines.find((l) => l.id === 'org-pic-996523487')
  t.equal(valduce?.record.name, "Congregazione delle Suore Infermiere dell'Addolorata", 'a fetched organisation in the demo set')
  t.equal(valduce?.record.kind, 'other')
  t.ok(existsSync(join(dir, 'h2020/orgs_names_b.csv')))
})

t.test('transformations', async (t) => {
  t.equal(participationsUntil('rcn,start_year\n1,2018\n2,2019\n3,NA\n', 2018), 'rcn,start_year\n1,2018\n3,NA\n')
  t.throws(() => participationsUntil('rcn,year\n1,2018\n', 2018), /no start_year column/)
  t.equal(organisationNames('id;name\n123456789;ACME SRL\n123456789;ACME SRL\nbad;X\n'), 'orgId,name,shortName,activityType,country,city,postCode,street\n123456789,ACME SRL,,,,,,\n', 'the older CORDIS header (id) too')
  t.equal(firstRows('a;b\n1;"x,y"\n2;z\n3;w\n', 2, ';'), 'a,b\n1,"x,y"\n2,z\n')
  const dir = tempDir()
  const path = join(dir, 'a.zip')
  const { writeFileSync } = await import('node:fs')
  writeFileSync(path, zip({ 'folder/one.txt': 'one', 'two.txt': '' }))
  const entries = zipEntries(path)
  t.same(entries.map((e) => e.name), ['folder/one.txt', 'two.txt'])
  const read = async (name: string) => {
    const chunks: Buffer[] = []
    for await (const c of openEntry(path, findEntry(entries, name)!)) chunks.push(c as Buffer)
    return Buffer.concat(chunks).toString()
  }
  t.equal(await read('one.txt'), 'one', 'found by its base name')
  t.equal(await read('two.txt'), '')
  writeFileSync(path, 'not a zip')
  t.throws(() => zipEntries(path), /not a zip archive/)
})
