// The model's own process (started by ModelProcessEmbedder): it loads the embedding model and embeds
// what the parent sends over the IPC channel. onnxruntime-node runs inference on the calling thread,
// so inside the API process every batch would stop the event loop; here it stops only this one.
// It exits when the parent closes the channel, or dies.
import { loadModel } from './load-model.ts'
import { TransformersEmbedder } from './transformers-embedder.ts'
import type { ModelRequest, ModelReply } from './model-protocol.ts'

const embedder = new TransformersEmbedder()
const send = (reply: ModelReply): void => { process.send?.(reply) }

process.on('message', (message: ModelRequest) => {
  if (message.type === 'load') {
    loadModel({ ...message.options, log: (line) => send({ type: 'log', line }) }).then((model) => {
      embedder.use(model)
      send({ type: 'loaded', model: { spec: model.spec, origin: model.origin, location: model.location, loadMs: model.loadMs } })
    }, (err: Error) => send({ type: 'load-failed', message: err.message }))
  } else if (message.type === 'embed') {
    // The embedder's lane runs one batch at a time, user-facing ones first, as it does in-process.
    embedder.embed(message.texts, message.role, { background: message.background }).then(
      (vectors) => send({ type: 'vectors', id: message.id, vectors }),
      (err: Error) => send({ type: 'failed', id: message.id, message: err.message })
    )
  }
})

process.on('disconnect', () => {
  embedder.close().finally(() => process.exit(0))
})
