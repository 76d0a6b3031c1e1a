import t from 'tap'
import { resolve } from 'node:path'
import { mavenModels } from '../../src/embedding/model-catalog.ts'
import { isProvisioned, modelFolder } from '../../src/embedding/maven-provisioner.ts'
import { loadModel } from '../../src/embedding/load-model.ts'
import { EMBED_BATCH, EMBED_BATCH_TOKENS, TransformersEmbedder } from '../../src/embedding/transformers-embedder.ts'
import { tokenBatches } from '../../src/embedding/token-batches.ts'
import { RawOnnxModel, dot } from '../../bench/lib/raw-onnx.ts'
import { SEMANTIC_TRIPLETS } from './semantic-pairs.ts'
import { modelsDir, requires } from '../helpers/services.ts'

// The network is forbidden for the whole file: any fetch fails the test that caused it.
const realFetch = globalThis.fetch
let fetches = 0
globalThis.fetch = (async (input: unknown) => {
  fetches++
  throw new Error(`network access attempted: ${String(input)}`)
}) as typeof fetch
t.teardown(() => { globalThis.fetch = realFetch })

for (const spec of mavenModels()) {
  t.test(spec.name, async (t) => {
    const folder = modelFolder(modelsDir, spec)
    if (!requires(t, await isProvisioned(folder), `${spec.name} is not provisioned in ${folder} (npm run models:provision)`)) return

    const embedder = new TransformersEmbedder()
    const model = await loadModel({ spec, modelsDir, allowRemote: false, allowMaven: false, log: () => {} })
    embedder.use(model)
    t.teardown(() => embedder.close())
    t.equal(model.origin, 'models-dir')
    t.equal(fetches, 0, 'loaded without any network access')

    t.test('vectors are 384-d and unit length', async (t) => {
      const vectors = await embedder.embed(['a short text', 'un testo italiano un po\' più lungo del primo'], 'passage')
      t.equal(vectors.length, 2)
      for (const v of vectors) {
        t.equal(v.length, 384)
        t.ok(Math.abs(Math.sqrt(dot(v, v)) - 1) < 1e-4, 'normalised')
      }
      t.equal(embedder.dimensions, 384)
    })

    t.test('semantic triplets rank right, in English and Italian', async (t) => {
      for (const tr of SEMANTIC_TRIPLETS) {
        const [q] = await embedder.embed([tr.anchor], 'query')
        const [near, far] = await embedder.embed([tr.near, tr.far], 'passage')
        t.ok(dot(q!, near!) > dot(q!, far!), `[${tr.lang}] "${tr.anchor}" is closer to "${tr.near}" than to "${tr.far}"`)
      }
    })

    t.test('the same text embeds the same alone and in a padded batch', async (t) => {
      const text = 'additive manufacturing of metal parts'
      const [alone] = await embedder.embed([text], 'passage')
      const batch = await embedder.embed(['x', text, 'a much longer sentence about additive manufacturing, lasers, powders and titanium alloys for aerospace'], 'passage')
      // Dynamically quantized models scale activations per batch, so batch-mates move a vector a little
      // (measured 0.992-0.998 cosine); a masking or pooling bug would move it far more.
      t.ok(dot(alone!, batch[1]!) > 0.98, 'padding barely changes the vector')
    })

    t.test('a long list is cut into batches by token count and comes back in the input order', async (t) => {
      // 70 texts (three batches) of lengths that sort differently by characters and by tokens.
      const texts = Array.from({ length: 70 }, (_, i) => i % 3 === 0
        ? `progettazione ${i} di sistemi elettromeccanici interconnessi`.repeat(1 + (i % 5))
        : `graphene ${i} sensors`.repeat(1 + (i % 7)))
      const all = await embedder.embed(texts, 'passage')
      t.equal(all.length, texts.length)
      for (const i of [0, 1, 2, 33, 47, 69]) {
        const [alone] = await embedder.embed([texts[i]!], 'passage')
        t.ok(dot(alone!, all[i]!) > 0.98, `text ${i} has its own vector`)
      }
      // A vector put back at the wrong place would be another text's: texts 1 and 3 differ.
      t.ok(dot(all[1]!, all[3]!) < 0.98, 'different texts, different vectors')
    })

    t.test('prefixes follow the model', async (t) => {
      const [q] = await embedder.embed(['graphene sensors'], 'query')
      const [p] = await embedder.embed(['graphene sensors'], 'passage')
      if (spec.queryPrefix === spec.passagePrefix) t.ok(dot(q!, p!) > 0.9999, 'no prefix: same vector')
      else t.ok(dot(q!, p!) < 0.999, `"${spec.queryPrefix}" / "${spec.passagePrefix}" change the vector`)
    })

    t.test('agrees with the bare onnxruntime session (pooling and normalisation)', async (t) => {
      const raw = await RawOnnxModel.open(spec, resolve(folder))
      t.teardown(() => raw.close())
      const texts = ['smart grids and energy communities', 'comunità energetiche rinnovabili']
      for (const role of ['query', 'passage'] as const) {
        const ours = await embedder.embed(texts, role)
        const ref = await raw.embed(texts, role)
        for (let i = 0; i < texts.length; i++) t.ok(dot(ours[i]!, ref[i]!) > 0.9999, `${role} ${i} matches the reference`)
      }
    })

    t.test('agrees with transformers.js\'s feature-extraction pipeline, truncation included', async (t) => {
      // The embedder pads, runs and pools token ids itself; the pipeline (its own tokenizer call,
      // pooling and normalisation) is the independent reference. One text is past maxTokens. The
      // quantized models' outputs depend on a batch's padding (activations are quantized over the
      // whole batch), so the reference gets the same batches as the embedder forms.
      const texts = ['robotica collaborativa', 'machine vision for quality control in automotive lines '.repeat(60), 'AI']
      const tokenizer = model.extractor.tokenizer
      const maxLength = Math.min(spec.maxTokens, tokenizer.model_max_length ?? Infinity)
      for (const role of ['query', 'passage'] as const) {
        const prefix = role === 'query' ? spec.queryPrefix : spec.passagePrefix
        const ours = await embedder.embed(texts, role)
        const groups = tokenBatches(texts.map((x) => Math.min(maxLength, tokenizer.encode(prefix + x).length)), { maxTexts: EMBED_BATCH, maxTokens: EMBED_BATCH_TOKENS })
        for (const group of groups) {
          const ref = await model.extractor(group.map((i) => prefix + texts[i]), { pooling: spec.pooling, normalize: true })
          const data = ref.data as Float32Array
          group.forEach((i, j) => {
            const diff = Math.max(...ours[i]!.map((v, d) => Math.abs(v - (data[j * spec.dimensions + d] as number))))
            t.ok(diff < 1e-5, `${role} ${i} (batch of ${group.length}): largest difference ${diff}`)
          })
          ref.dispose()
        }
      }
    })

    t.test('still no network access', async (t) => { t.equal(fetches, 0) })
  })
}
