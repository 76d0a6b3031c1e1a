import { env, pipeline, Tensor, type FeatureExtractionPipeline } from '@huggingface/transformers'
import type { EmbedOptions, Embedder, ModelStatus, TextRole } from '../ports/embedder.ts'
import { EmbedderUnavailableError } from '../ports/embedder.ts'
import type { PartHealth } from '../ports/health.ts'
import type { ModelSpec } from './model-catalog.ts'
import type { ModelInfo } from './model-info.ts'
import { InferenceLane } from './inference-lane.ts'
import { embedderHealth } from './embedder-health.ts'
import { ModelState } from './model-state.ts'
import { poolAndNormalize } from './pooling.ts'
import { tokenBatches } from './token-batches.ts'

/** Where the loaded model came from, for /ready and logs. */
/** A model with its session, ready to embed in this process. */
export interface LoadedModel extends ModelInfo {
  extractor: FeatureExtractionPipeline
}

export interface OpenModelOptions {
  /** Load from `<localModelPath>/<modelId>`; when undefined, from the hub by `modelId`. */
  localModelPath?: string
  modelId: string
  /** Cache folder for hub downloads. */
  cacheDir?: string
  /** onnxruntime intra-op threads; 0 = onnxruntime's default. */
  threads?: number
  /** Let idle intra-op threads spin-wait (onnxruntime's default, true). */
  spinning?: boolean
}

/**
 * Opens a quantized ONNX model with transformers.js. Local loads never touch the network:
 * remote loading is switched off for them, so a missing file fails instead of downloading.
 */
export async function openModel (spec: ModelSpec, options: OpenModelOptions): Promise<FeatureExtractionPipeline> {
  // transformers.js keeps these switches in one global; model loads run one at a time (see loader).
  if (options.localModelPath !== undefined) {
    env.allowLocalModels = true
    env.allowRemoteModels = false
    env.localModelPath = options.localModelPath.endsWith('/') ? options.localModelPath : options.localModelPath + '/'
  } else {
    env.allowLocalModels = false
    env.allowRemoteModels = true
    if (options.cacheDir) env.cacheDir = options.cacheDir
  }
  return await createPipeline('feature-extraction', options.modelId, {
    dtype: 'q8',
    session_options: {
      ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
      // Idle intra-op threads spin-wait for the next op unless told not to (EMBEDDING_SPINNING, off by
      // default: the spinning takes the cores from the API beside the model process).
      ...(options.spinning === false ? { extra: { 'session.intra_op.allow_spinning': '0' } } : {})
    }
  })
}

/** Texts per model call: onnxruntime gains little past 32, and a query waits behind at most one call. */
export const EMBED_BATCH = 32
/** Padded tokens per model call (token-batches.ts says what was measured). */
export const EMBED_BATCH_TOKENS = 1024

// pipeline()'s overloads make a union too large for tsc; this is its feature-extraction signature.
const createPipeline = pipeline as unknown as (task: 'feature-extraction', model: string, options: Record<string, unknown>) => Promise<FeatureExtractionPipeline>

/** The Embedder port over transformers.js; starts empty and becomes available once a model is set. */
export class TransformersEmbedder implements Embedder {
  private loaded: LoadedModel | null = null
  /** Loading, available, or off (its detail says why); in this process the model cannot freeze apart from it. */
  private readonly state = new ModelState()
  /** One batch through the model at a time; queries (matching, search) before indexing batches. */
  private readonly lane = new InferenceLane()

  get model (): string | null { return this.loaded?.spec.name ?? null }
  get dimensions (): number { return this.loaded?.spec.dimensions ?? 384 }
  get available (): boolean { return this.loaded !== null }
  get status (): ModelStatus { return this.state.status }
  /** Details of the model in use, or null. */
  get current (): LoadedModel | null { return this.loaded }

  /** Makes a loaded model the one in use. */
  use (model: LoadedModel): void {
    this.loaded = model
    this.state.set('available', `${model.spec.name} in this process`)
  }

  /** Records that no model could be loaded: semantic matching is off, and why. */
  disable (reason: string): void {
    this.state.set('off', reason)
  }

  async embed (texts: readonly string[], role: TextRole, options: EmbedOptions = {}): Promise<Float32Array[]> {
    const model = this.loaded
    if (!model) throw new EmbedderUnavailableError(`no embedding model: ${this.state.status.detail ?? this.state.status.reason}`, this.state.state)
    if (texts.length === 0) return []
    const prefix = role === 'query' ? model.spec.queryPrefix : role === 'phrase' ? model.spec.phrasePrefix : model.spec.passagePrefix
    const urgent = !options.background
    // Each text is tokenized once, here; the batches below are built from these ids.
    const tokenizer = model.extractor.tokenizer
    const maxLength = Math.min(model.spec.maxTokens, tokenizer.model_max_length ?? Infinity)
    const ids = texts.map((t) => {
      const encoded = tokenizer.encode(prefix ? prefix + t : t)
      if (encoded.length > maxLength) encoded.length = maxLength
      return encoded
    })
    if (ids.length === 1) return this.lane.run(() => this.run(model, ids), urgent)
    // A batch is padded to its longest text in tokens: texts of about as many tokens go together, and
    // long texts go fewer to a batch (token-batches.ts). Sorting by characters instead padded a quarter
    // more tokens on the fixtures' mix of Italian and English (an Italian word is more word pieces).
    // Each batch takes its own turn in the lane, so a query waits for one batch at most.
    const vectors: Float32Array[] = new Array(ids.length)
    const batches: Array<Promise<void>> = []
    for (const idx of tokenBatches(ids.map((x) => x.length), { maxTexts: EMBED_BATCH, maxTokens: EMBED_BATCH_TOKENS })) {
      batches.push(this.lane.run(() => this.run(model, idx.map((i) => ids[i] as number[])), urgent).then((out) => {
        idx.forEach((i, j) => { vectors[i] = out[j] as Float32Array })
      }))
    }
    await Promise.all(batches)
    return vectors
  }

  /**
   * One batch of token ids through the model: padded to the longest, run, pooled and normalised.
   * The same inputs and arithmetic as transformers.js's feature-extraction pipeline, without its
   * second tokenization and its generic tensor ops (measured 2-7% of a batch).
   */
  private async run (model: LoadedModel, ids: ReadonlyArray<readonly number[]>): Promise<Float32Array[]> {
    const seq = Math.max(...ids.map((x) => x.length))
    const inputIds = new BigInt64Array(ids.length * seq).fill(BigInt(model.extractor.tokenizer.pad_token_id ?? 0))
    const mask = new BigInt64Array(ids.length * seq)
    ids.forEach((row, b) => {
      for (let s = 0; s < row.length; s++) {
        inputIds[b * seq + s] = BigInt(row[s] as number)
        mask[b * seq + s] = 1n
      }
    })
    const dims = [ids.length, seq]
    // The model fills in token_type_ids (zeros, one segment) when its graph wants them.
    const outputs = await model.extractor.model({ input_ids: new Tensor('int64', inputIds, dims), attention_mask: new Tensor('int64', mask, dims) }) as Record<string, Tensor | undefined>
    const hidden = outputs.last_hidden_state ?? outputs.token_embeddings
    if (!hidden) throw new Error(`${model.spec.name}: the model returned no token vectors`)
    const vectors = poolAndNormalize(hidden.data as Float32Array, hidden.dims as [number, number, number], mask, model.spec.pooling)
    for (const t of Object.values(outputs)) t?.dispose()
    return vectors
  }

  health (): Promise<PartHealth> {
    return embedderHealth(this, this.loaded, () => this.state.status)
  }

  async close (): Promise<void> {
    const model = this.loaded
    this.loaded = null
    this.disable('closed')
    await model?.extractor.dispose()
  }
}
