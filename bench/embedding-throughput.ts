// Embedding throughput of the engine's embedder against the bare onnxruntime session of the same
// model, side by side in one process, at batch 1 and batch 32. Usage: npm run bench:embed
import { resolve } from 'node:path'
import { loadConfig } from '../config/load.ts'
import { mavenModels } from '../src/embedding/model-catalog.ts'
import { isProvisioned, modelFolder } from '../src/embedding/maven-provisioner.ts'
import { loadModel } from '../src/embedding/load-model.ts'
import { EMBED_BATCH, EMBED_BATCH_TOKENS, TransformersEmbedder } from '../src/embedding/transformers-embedder.ts'
import { tokenBatches } from '../src/embedding/token-batches.ts'
import { RawOnnxModel } from './lib/raw-onnx.ts'
import { scifactSentences } from './lib/scifact.ts'
import { report } from './lib/report.ts'

const config = loadConfig()
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const sentences = await scifactSentences(32 * 8)
const rows: Array<Record<string, string | number>> = []

for (const spec of mavenModels()) {
  const folder = modelFolder(config.MODELS_DIR, spec)
  if (!await isProvisioned(folder)) {
    console.log(`${spec.name}: not provisioned, skipped (npm run models:provision)`)
    continue
  }
  let started = performance.now()
  // Both sides run onnxruntime as the service does (EMBEDDING_THREADS, EMBEDDING_SPINNING).
  const raw = await RawOnnxModel.open(spec, resolve(folder), config.EMBEDDING_THREADS, config.EMBEDDING_SPINNING)
  const rawLoadMs = performance.now() - started
  const embedder = new TransformersEmbedder()
  const model = await loadModel({ spec, modelsDir: config.MODELS_DIR, allowRemote: false, allowMaven: false, threads: config.EMBEDDING_THREADS, spinning: config.EMBEDDING_SPINNING, log: () => {} })
  embedder.use(model)

  for (const batch of [1, 32]) {
    const texts = batch === 1 ? sentences.slice(0, 48) : sentences
    const batches: string[][] = []
    for (let i = 0; i < texts.length; i += batch) batches.push(texts.slice(i, i + batch))
    // The baseline gets its inputs tokenized in advance: it measures inference and pooling only. It
    // runs the model calls the engine makes of each call: sorted by token count and cut at 32 texts
    // and 1,024 padded tokens (token-batches.ts).
    const feeds = batches.flatMap((b) => {
      const tokens = b.map((t) => Math.min(spec.maxTokens, raw.tokenizer.encode(spec.passagePrefix + t).length))
      return tokenBatches(tokens, { maxTexts: EMBED_BATCH, maxTokens: EMBED_BATCH_TOKENS }).map((idx) => raw.encode(idx.map((i) => b[i] as string), 'passage'))
    })
    await embedder.embed(batches[0]!, 'passage') // warm-up both
    await raw.run(feeds[0]!)
    let oursMs = 0
    let rawMs = 0
    // Interleaved rounds, so drift on a shared machine hits both sides alike.
    for (let r = 0; r < ROUNDS; r++) {
      started = performance.now()
      for (const b of batches) await embedder.embed(b, 'passage')
      oursMs += performance.now() - started
      started = performance.now()
      for (const f of feeds) await raw.run(f)
      rawMs += performance.now() - started
    }
    const n = texts.length * ROUNDS
    const ours = n / (oursMs / 1000)
    const bare = n / (rawMs / 1000)
    rows.push({
      model: spec.name,
      batch,
      'engine sent/s': Math.round(ours * 10) / 10,
      'raw onnx sent/s': Math.round(bare * 10) / 10,
      'engine/raw': Math.round((ours / bare) * 1000) / 1000,
      'engine load ms': model.loadMs,
      'raw load ms': Math.round(rawLoadMs)
    })
  }
  await embedder.close()
  await raw.close()
}

await report('embedding-throughput', rows, {
  description: 'Sentences/s of the engine embedder (tokenize + infer + pool + normalise) vs a bare onnxruntime session on pre-tokenized input (infer + pool + normalise), given the model calls the engine makes (a call of 32 sentences sorted by token count and cut at 32 texts and 1,024 padded tokens). Both run onnxruntime with EMBEDDING_THREADS and EMBEDDING_SPINNING. SciFact sentences.',
  spinning: config.EMBEDDING_SPINNING,
  rounds: ROUNDS,
  threads: config.EMBEDDING_THREADS || 'onnxruntime default'
})
