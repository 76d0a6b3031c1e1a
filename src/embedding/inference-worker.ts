import { Worker } from 'node:worker_threads'
import type { ModelSpec } from './model-catalog.ts'
import type { OpenModelOptions } from './transformers-embedder.ts'
import type { ThreadReply, ThreadRequest } from './embedding-thread.ts'

/**
 * The embedding model in a worker thread. onnxruntime-node runs inference synchronously on the
 * calling thread, so in the main thread every batch (a third of a second for 32 passages) froze
 * HTTP, the store and indexing; here they go on while the model works. Calls are answered in order;
 * the caller keeps at most one in flight (InferenceLane).
 */
export class InferenceWorker {
  private readonly pending = new Map<number, { resolve: (v: Float32Array[]) => void, reject: (e: Error) => void, n: number }>()
  private nextId = 1
  private exited: Error | null = null

  private constructor (private readonly worker: Worker) {
    worker.on('message', (reply: ThreadReply) => {
      const call = this.pending.get(reply.id)
      if (!call) return
      this.pending.delete(reply.id)
      if ('error' in reply) return call.reject(new Error(`embedding failed: ${reply.error}`))
      const vectors: Float32Array[] = new Array(call.n)
      for (let i = 0; i < call.n; i++) vectors[i] = reply.data.subarray(i * reply.dims, (i + 1) * reply.dims)
      call.resolve(vectors)
    })
    worker.on('error', (err) => this.fail(err))
    worker.on('exit', (code) => this.fail(new Error(`embedding thread exited with code ${code}`)))
  }

  /** Starts a thread that opens the model as `open` says; resolves once it is ready. */
  static start (spec: ModelSpec, open: OpenModelOptions): Promise<InferenceWorker> {
    // A plain-JavaScript entry that registers the TypeScript loader in the thread first.
    const worker = new Worker(new URL('./embedding-thread.mjs', import.meta.url), { workerData: { spec, open } })
    return new Promise((resolve, reject) => {
      const onMessage = (m: { ready?: boolean, failed?: string }) => {
        if (m.ready) { worker.off('message', onMessage); resolve(new InferenceWorker(worker)) }
        if (m.failed) { worker.off('message', onMessage); worker.terminate().catch(() => {}); reject(new Error(m.failed)) }
      }
      worker.on('message', onMessage)
      worker.once('error', reject)
    })
  }

  /** Embeds texts (prefixes already applied); vectors are pooled and normalised by the model's spec. */
  embed (texts: string[]): Promise<Float32Array[]> {
    if (this.exited) return Promise.reject(this.exited)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, n: texts.length })
      this.worker.postMessage({ id, texts } satisfies ThreadRequest)
    })
  }

  async close (): Promise<void> {
    this.exited ??= new Error('embedding thread closed')
    await this.worker.terminate()
  }

  private fail (err: Error): void {
    this.exited ??= err
    for (const call of this.pending.values()) call.reject(err)
    this.pending.clear()
  }
}
