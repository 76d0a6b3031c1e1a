import t from 'tap'
import { createStore } from '../../src/store/create-store.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import type { Database } from '../../src/store/schema.ts'
import { VectorCache } from '../../src/records/vector-cache.ts'
import { seekerFromText } from '../../src/match/seeker.ts'
import { phraseHash } from '../../src/domain/facets.ts'
import { modelSpec } from '../../src/embedding/model-catalog.ts'
import { isProvisioned, modelFolder } from '../../src/embedding/maven-provisioner.ts'
import { loadModel } from '../../src/embedding/load-model.ts'
import { TransformersEmbedder } from '../../src/embedding/transformers-embedder.ts'
import type { TextRole } from '../../src/ports/embedder.ts'
import { modelsDir, requires, tempDir } from '../helpers/services.ts'

t.test('free text: stored phrases are read, only unseen ones are embedded, with the same vectors', async (t) => {
  const spec = modelSpec('all-minilm-l6-v2')
  const folder = modelFolder(modelsDir, spec)
  if (!requires(t, await isProvisioned(folder), `${spec.name} is not provisioned in ${folder} (npm run models:provision)`)) return
  const embedder = new TransformersEmbedder()
  embedder.use(await loadModel({ spec, modelsDir, allowRemote: false, allowMaven: false, log: () => {} }))
  t.teardown(() => embedder.close())
  // The real model, with its calls written down.
  const calls: Array<{ role: TextRole, texts: readonly string[] }> = []
  const embed = embedder.embed.bind(embedder)
  embedder.embed = async (texts, role, options) => { calls.push({ role, texts }); return embed(texts, role, options) }

  const store = await createStore<Database>({ dataDir: await tempDir(t) })
  t.teardown(() => store.close())
  await migrateToLatest(store.db)
  const cache = new VectorCache(store.db, { memoryBytes: 1 << 20 })
  const model = embedder.model as string
  // "IoT sensors" is stored, as the pipeline stores a profile's phrase.
  const [iot] = await embedder.embed(['iot sensors'], 'phrase')
  await cache.putMany(model, new Map([[phraseHash('IoT sensors'), iot as Float32Array]]))
  calls.length = 0

  const seeker = await seekerFromText('we need condition monitoring', [' IoT sensors ', 'battery recycling'], embedder, cache)
  t.same(calls.map((c) => [c.role, [...c.texts]]), [['query', ['we need condition monitoring. IoT sensors. battery recycling']], ['phrase', ['battery recycling', 'condition monitoring']]], 'the stored phrase is not embedded again')
  t.same(seeker.seeks.map((p) => p.text), ['IoT sensors', 'battery recycling', 'condition monitoring'], 'the wanted competencies, then the text\'s own phrase')
  t.same([...(seeker.seeks[0]?.vector ?? [])], [...(iot as Float32Array)], 'the stored vector')
  // The same call the seeker made (the quantised model's vectors depend a little on the batch a text is in).
  const [recycling] = await embed(['battery recycling', 'condition monitoring'], 'phrase')
  const got = seeker.seeks[1]?.vector as Float32Array
  t.ok(got.every((x, i) => Math.abs(x - (recycling as Float32Array)[i]!) < 1e-5), 'the unseen phrase embedded as the pipeline would')
  t.ok(seeker.vectors.needs && seeker.vectors.profile, 'the text is the query vector')

  const [monitoring] = await embed(['condition monitoring'], 'phrase')
  await cache.putMany(model, new Map([[phraseHash('condition monitoring'), monitoring as Float32Array]]))
  calls.length = 0
  await seekerFromText('we need condition monitoring', ['IoT sensors'], embedder, cache)
  t.same(calls.map((c) => c.role), ['query'], 'every phrase stored: one model call')
})
