import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers'
import type { ModelSpec } from '../../src/embedding/model-catalog.ts'
import { QUANTIZED_ONNX } from '../../src/embedding/maven-provisioner.ts'
import { poolAndNormalize } from '../../src/embedding/pooling.ts'

/**
 * The reference the engine's embedder is measured against: the same ONNX file run by a bare
 * onnxruntime session, pooled and normalised by the engine's own function. No transformers.js
 * model or pipeline in the loop; the tokenizer is only used to prepare inputs.
 */
export class RawOnnxModel {
  private constructor (
    readonly spec: ModelSpec,
    readonly session: ort.InferenceSession,
    readonly tokenizer: PreTrainedTokenizer
  ) {}

  /** `threads` and `spinning` as the engine's EMBEDDING_THREADS and EMBEDDING_SPINNING (onnxruntime's defaults: all cores, spinning). */
  static async open (spec: ModelSpec, folder: string, threads = 0, spinning = true): Promise<RawOnnxModel> {
    const session = await ort.InferenceSession.create(join(folder, QUANTIZED_ONNX), {
      ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      ...(spinning ? {} : { extra: { 'session.intra_op.allow_spinning': '0' } })
    })
    const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true })
    return new RawOnnxModel(spec, session, tokenizer)
  }

  /** Tokenizes (with the model's prefix) into onnxruntime tensors. */
  encode (texts: readonly string[], role: 'query' | 'passage'): Record<string, ort.Tensor> {
    const prefix = role === 'query' ? this.spec.queryPrefix : this.spec.passagePrefix
    const enc = this.tokenizer(texts.map((t) => prefix + t), { padding: true, truncation: true, max_length: this.spec.maxTokens }) as Record<string, { data: BigInt64Array, dims: number[] }>
    const feeds: Record<string, ort.Tensor> = {}
    for (const name of this.session.inputNames) {
      const t = enc[name]
      if (t) feeds[name] = new ort.Tensor('int64', t.data, t.dims)
      else if (name === 'token_type_ids') {
        const ids = enc.input_ids as { data: BigInt64Array, dims: number[] }
        feeds[name] = new ort.Tensor('int64', new BigInt64Array(ids.data.length), ids.dims)
      }
    }
    return feeds
  }

  /** Runs the session on prepared inputs and pools + normalises, as the model card prescribes. */
  async run (feeds: Record<string, ort.Tensor>): Promise<Float32Array[]> {
    const out = await this.session.run(feeds)
    const hidden = out[this.session.outputNames[0] as string] as ort.Tensor
    const [batch, seq, dim] = hidden.dims as [number, number, number]
    return poolAndNormalize(hidden.data as Float32Array, [batch, seq, dim], (feeds.attention_mask as ort.Tensor).data as BigInt64Array, this.spec.pooling)
  }

  async embed (texts: readonly string[], role: 'query' | 'passage'): Promise<Float32Array[]> {
    return this.run(this.encode(texts, role))
  }

  async close (): Promise<void> {
    await this.session.release()
  }
}

export function dot (a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number)
  return s
}
