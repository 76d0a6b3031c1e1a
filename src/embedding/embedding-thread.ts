// The worker-thread side of InferenceWorker: opens the model and answers one batch at a time.
// onnxruntime-node runs a session synchronously on the thread that calls it; here that thread is
// not the one serving HTTP, reading the store and indexing.
import { parentPort, workerData } from 'node:worker_threads'
import { openModel, type OpenModelOptions } from './transformers-embedder.ts'
import type { ModelSpec } from './model-catalog.ts'

export interface ThreadRequest { id: number, texts: string[] }
export type ThreadReply = { id: number, data: Float32Array, dims: number } | { id: number, error: string }

const { spec, open } = workerData as { spec: ModelSpec, open: OpenModelOptions }
const port = parentPort
if (!port) throw new Error('embedding-thread.ts runs as a worker thread')
try {
  const extractor = await openModel(spec, open)
  port.on('message', (req: ThreadRequest) => {
    extractor(req.texts, { pooling: spec.pooling, normalize: true }).then((output) => {
      const data = (output.data as Float32Array).slice()
      const dims = output.dims[1] as number
      output.dispose()
      port.postMessage({ id: req.id, data, dims } satisfies ThreadReply, [data.buffer])
    }, (err: Error) => port.postMessage({ id: req.id, error: err.message } satisfies ThreadReply))
  })
  port.postMessage({ ready: true })
} catch (err) {
  port.postMessage({ failed: (err as Error).message })
}
