import type { Parts } from '../parts.ts'
import { VectorCache } from '../records/vector-cache.ts'
import { INDEX_JOB, indexJobHandler, type IndexJobData } from './index-job.ts'
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts'
import { EmbeddedIndex } from '../search/embedded-index.ts'
import { reindexAll } from './reindex.ts'

export interface Pipeline {
  relay: OutboxRelay
  cache: VectorCache
  stop (): Promise<void>
}

/**
 * Starts the background pipeline in this process: the outbox relay and the embed-and-index worker.
 * The embedded index lives in memory, so it is refilled from the store (stored vectors, no
 * re-embedding) before the relay starts.
 */
export async function startPipeline (parts: Parts, options: OutboxRelayOptions & { log?: (m: string) => void } = {}): Promise<Pipeline> {
  const { store, queue, searchIndex, embedder, modelReady } = parts
  const cache = new VectorCache(store.db)
  // A search index that is down must not stop the service: writes are accepted and wait in the
  // outbox; the first bulk write creates the indices once it answers.
  await searchIndex.ensureIndices().catch((err: Error) => options.log?.(`search index not ready yet (${err.message}); indexing will catch up`))
  if (searchIndex instanceof EmbeddedIndex) {
    await modelReady
    const stats = await reindexAll({ db: store.db, embedder, cache, target: searchIndex })
    if (stats.documents > 0) options.log?.(`embedded index refilled from the store: ${stats.documents} documents`)
  }
  queue.handle<IndexJobData>(INDEX_JOB, indexJobHandler({ db: store.db, embedder, searchIndex, cache, modelReady }))
  await queue.start()
  const relay = new OutboxRelay(store.db, queue, options)
  relay.start()
  return {
    relay,
    cache,
    stop: () => relay.stop()
  }
}
