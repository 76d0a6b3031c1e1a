import t from 'tap'
import { backendApp } from '../helpers/backend-app.ts'
import { auth, eventually } from '../helpers/app.ts'

// Issue 32, case 4: following nextCursor through GET /v1/search showed some records twice and
// never showed others, because each page re-ranked a pool of a different depth. Pages must be
// slices of one ranking: the pages of limit 10, one after the other, are the first results of
// limit=100, with no record twice and none missing. On both backends, Italian and English queries.

const IT = ['Progettiamo impianti per l\'energia rinnovabile e l\'efficienza energetica degli edifici.',
  'Sviluppiamo sistemi di accumulo di energia con batterie al litio.',
  'Offriamo consulenza sulla gestione dell\'energia nelle imprese manifatturiere.',
  'Installiamo pannelli fotovoltaici e pompe di calore per le comunità energetiche.',
  'Lavoriamo su reti intelligenti e sensori per il monitoraggio dei consumi.',
  'Produciamo componenti meccanici di precisione per l\'industria.',
  'Realizziamo software gestionali e piattaforme digitali per le PMI.',
  'Studiamo materiali innovativi per l\'edilizia sostenibile.']
const EN = ['We design renewable energy plants and energy efficiency retrofits for buildings.',
  'We develop energy storage systems based on lithium batteries.',
  'We advise manufacturers on energy management and consumption monitoring.',
  'We install solar panels and heat pumps for energy communities.',
  'We work on smart grids and sensors for monitoring consumption.',
  'We manufacture precision mechanical parts for industry.',
  'We build management software and digital platforms for SMEs.',
  'We research innovative materials for sustainable construction.']

/** 150 organisations, half Italian and half English, each with a different mix of the sentences above. */
function organisations (): string {
  const lines: string[] = []
  for (let i = 0; i < 150; i++) {
    const sentences = i % 2 === 0 ? IT : EN
    // A deterministic mix: two to five sentences, picked by the index.
    const picked = [i % 8, (i * 3 + 1) % 8, (i * 5 + 2) % 8, (i * 7 + 3) % 8].slice(0, 2 + (i % 3))
    const description = [...new Set(picked)].map((k) => sentences[k]).join(' ')
    lines.push(JSON.stringify({
      op: 'upsert',
      kind: 'organizations',
      id: `org-${String(i).padStart(4, '0')}`,
      record: { name: `${i % 2 === 0 ? 'Impresa' : 'Company'} ${i}`, kind: 'company', country: 'IT', description, competencies: [sentences[picked[0] as number]?.split(' ').slice(2, 5).join(' ') as string] }
    }))
  }
  return lines.join('\n')
}

for (const backend of ['embedded', 'elasticsearch'] as const) {
  t.test(`search pages are slices of one ranking (${backend})`, async (t) => {
    const app = await backendApp(t, backend)
    if (!app) return
    await app.parts.modelReady
    const imported = await app.inject({ method: 'POST', url: '/v1/bulk', payload: organisations(), headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
    t.equal(imported.json().created, 150)
    await eventually(async () => { await app.parts.searchIndex.refresh(); return (await app.parts.searchIndex.count('organizations')) === 150 }, 180_000, 'indexed')

    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: auth('read') })
      if (res.statusCode !== 200) t.fail(`${url}: ${res.statusCode} ${res.body}`)
      return res.json() as { results: Array<{ id: string }>, nextCursor: string | null }
    }
    for (const q of ['energia', 'energia rinnovabile', 'efficienza energetica degli edifici', 'renewable energy', 'energy storage batteries', 'sensors']) {
      const base = `/v1/search?kinds=organizations&q=${encodeURIComponent(q)}`
      const all = (await get(`${base}&limit=100`)).results.map((r) => r.id)
      const paged: string[] = []
      let cursor: string | null = null
      for (let page = 0; page < 20; page++) {
        const answer = await get(`${base}&limit=10${cursor ? `&cursor=${cursor}` : ''}`)
        paged.push(...answer.results.map((r) => r.id))
        cursor = answer.nextCursor
        if (!cursor) break
      }
      t.ok(all.length > 30, `«${q}»: ${all.length} results with limit=100`)
      const twice = paged.filter((id, i) => paged.indexOf(id) !== i)
      const missing = all.filter((id) => !paged.includes(id))
      t.same(twice, [], `«${q}»: no record on two pages`)
      t.same(missing, [], `«${q}»: every record of limit=100 on some page`)
      t.same(paged.slice(0, all.length), all, `«${q}»: pages of 10 in a row are limit=100's ranking`)
    }
  })
}
