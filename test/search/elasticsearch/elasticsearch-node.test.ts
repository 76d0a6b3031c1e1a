import t from 'tap'
import { Client } from '@elastic/elasticsearch'
import { modelSpec } from '../../../src/embedding/model-catalog.ts'
import { isProvisioned, modelFolder } from '../../../src/embedding/maven-provisioner.ts'
import { loadModel } from '../../../src/embedding/load-model.ts'
import { TransformersEmbedder } from '../../../src/embedding/transformers-embedder.ts'
import { modelsDir, needs, requires, services } from '../../helpers/services.ts'

// The local node booted from Maven Central jars must behave as a production cluster does for what we
// use: italian/english analyzers, 384-d cosine vectors, bulk, filtered kNN and BM25.
const DOCS = [
  { id: 'it-maint', country: 'IT', kind: 'company', it: 'Manutenzione predittiva delle macchine industriali con intelligenza artificiale', en: 'Predictive maintenance of industrial machines with artificial intelligence' },
  { id: 'de-maint', country: 'DE', kind: 'company', it: 'Previsione dei guasti degli impianti di produzione con reti neurali', en: 'Forecasting failures of production plants with neural networks' },
  { id: 'it-wine', country: 'IT', kind: 'association', it: 'Turismo del vino e agriturismi in Franciacorta', en: 'Wine tourism and farm holidays in Franciacorta' },
  { id: 'it-battery', country: 'IT', kind: 'research centre', it: 'Riciclo delle batterie al litio dei veicoli elettrici', en: 'Recycling lithium batteries of electric vehicles' },
  { id: 'fr-textile', country: 'FR', kind: 'company', it: 'Tessuti tecnici e moda sostenibile', en: 'Technical textiles and sustainable fashion' },
  { id: 'it-health', country: 'IT', kind: 'university', it: 'Telemedicina e monitoraggio remoto dei pazienti cronici', en: 'Telemedicine and remote monitoring of chronic patients' }
]

t.test('Elasticsearch node from Maven Central', async (t) => {
  if (!await needs(t, 'Elasticsearch', services.elasticsearch)) return
  const spec = modelSpec('all-minilm-l6-v2')
  if (!requires(t, await isProvisioned(modelFolder(modelsDir, spec)), 'all-minilm-l6-v2 is not provisioned')) return

  const client = new Client({ node: services.elasticsearch })
  const embedder = new TransformersEmbedder()
  embedder.use(await loadModel({ spec, modelsDir, allowRemote: false, allowMaven: false, log: () => {} }))
  const index = `test-es-node-${process.pid}`
  t.teardown(async () => {
    await client.indices.delete({ index, ignore_unavailable: true })
    await client.close()
    await embedder.close()
  })

  const info = await client.info()
  t.match(info.version.number, /^9\./, `server is 9.x (${info.version.number})`)

  await client.indices.create({
    index,
    settings: { number_of_shards: 1, number_of_replicas: 0 },
    mappings: {
      properties: {
        text_it: { type: 'text', analyzer: 'italian' },
        text_en: { type: 'text', analyzer: 'english' },
        country: { type: 'keyword' },
        kind: { type: 'keyword' },
        vector: { type: 'dense_vector', dims: 384, similarity: 'cosine', index: true }
      }
    }
  })

  t.test('italian and english analyzers stem like a production cluster', async (t) => {
    const it = await client.indices.analyze({ index, analyzer: 'italian', text: 'Le macchine industriali' })
    t.same(it.tokens?.map((x) => x.token), ['macchin', 'industrial'], 'stopword removed, stemmed')
    const en = await client.indices.analyze({ index, analyzer: 'english', text: "The company's batteries" })
    t.same(en.tokens?.map((x) => x.token), ['compani', 'batteri'], 'possessive, stopword, porter stem')
  })

  const vectors = await embedder.embed(DOCS.map((d) => d.en), 'passage')
  const bulk = await client.bulk({
    refresh: 'wait_for',
    operations: DOCS.flatMap((d, i) => [
      { index: { _index: index, _id: d.id } },
      { text_it: d.it, text_en: d.en, country: d.country, kind: d.kind, vector: Array.from(vectors[i]!) }
    ])
  })
  t.equal(bulk.errors, false, 'bulk indexing has no errors')
  t.equal((await client.count({ index })).count, DOCS.length)

  t.test('BM25 on Italian text matches across inflections', async (t) => {
    const res = await client.search({ index, query: { match: { text_it: 'macchina industriale' } } })
    t.equal(res.hits.hits[0]?._id, 'it-maint')
    const res2 = await client.search({ index, query: { match: { text_it: 'batteria' } } })
    t.same(res2.hits.hits.map((h) => h._id), ['it-battery'])
  })

  t.test('BM25 on English text matches across inflections', async (t) => {
    const res = await client.search({ index, query: { match: { text_en: 'recycled battery' } } })
    t.equal(res.hits.hits[0]?._id, 'it-battery')
  })

  t.test('kNN finds the semantic neighbour, with and without a filter', async (t) => {
    const [q] = await embedder.embed(['AI that forecasts breakdowns of factory equipment'], 'query')
    const knn = { field: 'vector', query_vector: Array.from(q!), k: 3, num_candidates: 20 }
    const open = await client.search({ index, knn, _source: ['country'] })
    t.same(open.hits.hits.slice(0, 2).map((h) => h._id).sort(), ['de-maint', 'it-maint'], 'both maintenance profiles first')
    const filtered = await client.search({ index, knn: { ...knn, filter: { term: { country: 'DE' } } }, _source: ['country'] })
    t.equal(filtered.hits.hits[0]?._id, 'de-maint')
    t.ok(filtered.hits.hits.every((h) => (h._source as { country: string }).country === 'DE'), 'filter holds for every hit')
    const none = await client.search({ index, knn: { ...knn, filter: { term: { kind: 'public body' } } } })
    t.equal(none.hits.hits.length, 0, 'an empty filter gives no hits')
  })
})
