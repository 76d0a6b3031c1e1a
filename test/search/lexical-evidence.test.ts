import t from 'tap'
import { backendApp } from '../helpers/backend-app.ts'
import { auth, eventually } from '../helpers/app.ts'
import { tempDir } from '../helpers/services.ts'

// Through GET /v1/search, on both backends, with a real model: a word that only one record holds
// brings that record first, however many records are semantically closer to the rest of the query;
// each record's texts are analysed in its own language only; and a quoted phrase brings the records
// holding it verbatim first.

const topics = ['robotica collaborativa per la logistica', 'manutenzione predittiva di macchine utensili', 'sensori IoT per il monitoraggio industriale',
  'visione artificiale per il controllo qualità', 'gemelli digitali di impianti produttivi', 'automazione dei magazzini']

const SENTENCES = ['Collaboriamo con università e centri di ricerca del territorio su progetti europei e regionali.',
  'Il nostro laboratorio interno sviluppa prototipi e li porta in produzione con i clienti.',
  'Seguiamo le imprese manifatturiere della provincia nella transizione digitale e sostenibile.',
  'I nostri tecnici hanno esperienza in elettronica, meccanica, software e analisi dei dati.',
  'Partecipiamo a bandi di innovazione e cerchiamo partner per nuove filiere tecnologiche.']
/** About 350 words of ordinary profile text, different for each record. */
const filler = (i: number) => Array.from({ length: 24 }, (_, k) => SENTENCES[(i + k) % SENTENCES.length]).join(' ')

for (const backend of ['embedded', 'elasticsearch'] as const) {
  t.test(`a term only one record holds brings it first (${backend})`, async (t) => {
    const app = await backendApp(t, backend)
    if (!app) return
    await app.parts.modelReady
    t.ok(app.parts.embedder.available, 'the model is loaded: fusion with kNN is what is tested')
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({
      op: 'upsert',
      kind: 'organizations',
      id: `r-${i}`,
      record: {
        name: `Officina ${i}`,
        kind: 'company',
        country: 'IT',
        // Long, as real profiles and abstracts are: the term comes after the model's window
        // (256 tokens), so only the lexical side can see it, as in the case that found it.
        description: `Azienda lombarda attiva nella ${topics[i % topics.length]}. ${filler(i)}${i === 37 ? ' Deteniamo il brevetto crashtoken0301.' : ''}`,
        competencies: [topics[i % topics.length] as string, topics[(i + 1) % topics.length] as string]
      }
    })).join('\n')
    const imported = await app.inject({ method: 'POST', url: '/v1/bulk', payload: lines, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })
    t.equal(imported.json().created, 60)
    await eventually(async () => { await app.parts.searchIndex.refresh(); return (await app.parts.searchIndex.count('organizations')) === 60 }, 120_000, 'indexed')
    // The term alone, with a word of its context, with the record's own topic: first. (With the
    // words of another topic, the twenty records holding those words come first on BM25 alone too.)
    for (const [q, within] of [['crashtoken0301', 1], ['brevetto crashtoken0301', 1], ['manutenzione predittiva crashtoken0301', 1]] as const) {
      const res = await app.inject({ method: 'GET', url: `/v1/search?kinds=organizations&limit=10&q=${encodeURIComponent(q)}`, headers: auth('read') })
      t.equal(res.statusCode, 200)
      const ids: string[] = res.json().results.map((r: { id: string }) => r.id)
      const rank = ids.indexOf('r-37') + 1
      t.ok(rank >= 1 && rank <= within, `"${q}": the only record holding the term at rank ${rank || '>10'}, at most ${within} (${ids.slice(0, 5).join(', ')})`)
    }
  })

  t.test(`each record is analysed in its own language (${backend}, lexical only)`, async (t) => {
    const app = await backendApp(t, backend, { MODELS_DIR: await tempDir(t) })
    if (!app) return
    await app.parts.modelReady
    t.notOk(app.parts.embedder.available, 'no model: the lexical side alone')
    const records = [
      { id: 'en-1', record: { type: 'news', title: 'Battery recycling in the Lombardy region', text: 'The project was funded with the support of the region and it recovers lithium from used batteries.' } },
      { id: 'it-1', record: { type: 'news', title: 'Riciclo delle batterie in Lombardia', text: 'Il progetto è stato finanziato dalla regione per il recupero del litio dalle batterie usate.' } },
      { id: 'it-2', record: { type: 'news', title: 'Robotica per le PMI', text: 'Un bando per le imprese che vogliono introdurre robot collaborativi nella produzione.', lang: 'it' } }
    ]
    const lines = records.map((r) => JSON.stringify({ op: 'upsert', kind: 'content', ...r })).join('\n')
    t.equal((await app.inject({ method: 'POST', url: '/v1/bulk', payload: lines, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })).json().created, 3)
    await eventually(async () => { await app.parts.searchIndex.refresh(); return (await app.parts.searchIndex.count('content')) === 3 }, 60_000, 'indexed')
    const ids = async (q: string) => (await app.inject({ method: 'GET', url: `/v1/search?kinds=content&q=${encodeURIComponent(q)}`, headers: auth('read') })).json().results.map((r: { id: string }) => r.id)
    t.same(await ids('the of with was'), [], 'English stop words find nothing (they matched English texts through the Italian analysis)')
    t.same(await ids('per il della'), [], 'Italian stop words find nothing either')
    t.same(await ids('lithium'), ['en-1'], 'an English word finds the English record')
    t.same(await ids('litio'), ['it-1'], 'the Italian word the Italian one')
    t.same(await ids('robot collaborativi'), ['it-2'])
  })

  t.test(`a quoted phrase brings the records holding it verbatim first (${backend})`, async (t) => {
    const app = await backendApp(t, backend)
    if (!app) return
    await app.parts.modelReady
    // Twenty records use the words often, apart; one uses them once, together, in a long text.
    const scattered = 'Stampa di prototipi, lavorazioni in metallo e componenti 3D: la stampa offset e il metallo pressofuso restano il nostro 3D quotidiano.'
    const lines = Array.from({ length: 21 }, (_, i) => JSON.stringify({
      op: 'upsert',
      kind: 'organizations',
      id: `p-${i}`,
      record: {
        name: `Officina ${i}`,
        kind: 'company',
        country: 'IT',
        description: i === 13 ? `${filler(i)} Da quest'anno offriamo anche la stampa 3D in metallo.` : `${scattered} ${scattered} ${filler(i)}`,
        competencies: [topics[i % topics.length] as string]
      }
    })).join('\n')
    t.equal((await app.inject({ method: 'POST', url: '/v1/bulk', payload: lines, headers: { 'content-type': 'application/x-ndjson', ...auth('write') } })).json().created, 21)
    await eventually(async () => { await app.parts.searchIndex.refresh(); return (await app.parts.searchIndex.count('organizations')) === 21 }, 120_000, 'indexed')
    const ids = async (q: string) => (await app.inject({ method: 'GET', url: `/v1/search?kinds=organizations&limit=10&q=${encodeURIComponent(q)}`, headers: auth('read') })).json().results.map((r: { id: string }) => r.id) as string[]
    const unquoted = await ids('stampa 3D in metallo')
    t.not(unquoted[0], 'p-13', `without quotes the words decide: the records using them most come first (${unquoted.slice(0, 3).join(', ')})`)
    t.equal((await ids('"stampa 3D in metallo"'))[0], 'p-13', 'quoted: the only record holding the phrase first')
    t.equal((await ids('offerta «Stampa 3D in Metallo» per prototipi'))[0], 'p-13', 'with other words around it, other quotes, other case')
    t.not((await ids('"metallo in 3D stampa"'))[0], 'p-13', 'the words in another order are not the phrase')
  })
}
