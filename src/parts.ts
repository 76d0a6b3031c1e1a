import { join } from 'node:path'
import type { Config } from '../config/schema.ts'
import type { Store } from './ports/store.ts'
import type { JobQueue } from './ports/job-queue.ts'
import type { SearchIndex } from './ports/search-index.ts'
import { createStore } from './store/create-store.ts'
import { migrateToLatest } from './store/migrate.ts'
import type { Database } from './store/schema.ts'
import { InProcessQueue } from './queue/in-process-queue.ts'
import { BullMQQueue } from './queue/bullmq-queue.ts'
import { ElasticsearchIndex } from './search/elasticsearch/elasticsearch-index.ts'
import { EmbeddedIndex } from './search/embedded/embedded-index.ts'
import type { Embedder } from './ports/embedder.ts'
import { TransformersEmbedder } from './embedding/transformers-embedder.ts'
import { ModelProcessEmbedder } from './embedding/model-process-embedder.ts'
import { loadModel } from './embedding/load-model.ts'
import { modelSpec } from './embedding/model-catalog.ts'
import { VectorCache } from './records/vector-cache.ts'
import { RecordCache } from './records/record-cache.ts'
import { CollaborationGraph } from './match/collaboration-graph.ts'
import { useEscoLabels } from './concepts/concepts.ts'
import { ActiveRanker } from './match/ranker/active-ranker.ts'
import { parseWeights } from './match/features.ts'

/** The four ports the service runs on, each served by the adapter the configuration picks. */
export interface Parts {
  store: Store<Database>
  queue: JobQueue
  searchIndex: SearchIndex
  embedder: Embedder
  /** Stored vectors, the most recently used in memory: what ranking reads. */
  vectors: VectorCache
  /** Records the match path reads, following the store's record changes; null when RECORD_CACHE_SIZE is 0. */
  records: RecordCache | null
  /** The collaboration history in memory, following the store's project changes, within GRAPH_MEMORY_MB (else off). */
  graph: CollaborationGraph
  /** The partner-ranking weights in force: the active trained model's, else RANKING_WEIGHTS over the defaults. */
  ranker: ActiveRanker
  /** Settles when the embedding model has loaded or every source has failed (never rejects). */
  modelReady: Promise<void>
}

export interface PartsLogger {
  info (msg: string): void
  warn (msg: string): void
}

/** Opens every part. The model loads in the background so the service answers at once. */
export async function openParts (config: Config, log: PartsLogger): Promise<Parts> {
  if (config.ESCO_DIR) log.info(`termbase: ESCO labels from ${config.ESCO_DIR} joined ${useEscoLabels(config.ESCO_DIR)} concepts`)
  const store = await createStore<Database>({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR })
  const applied = await migrateToLatest(store.db)
  if (applied.length > 0) log.info(`store migrated: ${applied.join(', ')}`)
  const queue: JobQueue = config.REDIS_URL
    ? new BullMQQueue({ url: config.REDIS_URL, name: config.QUEUE_NAME, concurrency: config.QUEUE_CONCURRENCY })
    : new InProcessQueue({ concurrency: config.QUEUE_CONCURRENCY, onFailed: (name, _data, err) => log.warn(`job ${name} failed for good: ${err.message}`) })
  const searchIndex: SearchIndex = config.ELASTICSEARCH_URL
    ? new ElasticsearchIndex({ url: config.ELASTICSEARCH_URL, prefix: config.INDEX_PREFIX })
    : new EmbeddedIndex({ graphDir: join(config.DATA_DIR, 'ann-graphs') })
  const spec = modelSpec(config.EMBEDDING_MODEL)
  const options = {
    spec,
    modelPath: config.EMBEDDING_MODEL_PATH,
    modelsDir: config.MODELS_DIR,
    allowRemote: config.EMBEDDING_ALLOW_REMOTE,
    allowMaven: config.EMBEDDING_ALLOW_MAVEN,
    threads: config.EMBEDDING_THREADS,
    spinning: config.EMBEDDING_SPINNING
  }
  const loaded = (model: { origin: string, location: string, loadMs: number }, where: string): void =>
    log.info(`embedding model ${spec.name} loaded from ${model.origin} ${model.location} in ${model.loadMs} ms, ${where}`)
  const failed = (err: Error): void => log.warn(`semantic matching is OFF, matching falls back to lexical: ${err.message}`)
  let embedder: Embedder
  let modelReady: Promise<void>
  if (config.EMBEDDING_PROCESS === 'separate') {
    const separate = new ModelProcessEmbedder(log, { deadlineMs: config.EMBEDDING_TIMEOUT_MS })
    modelReady = separate.start(options).then((model) => loaded(model, `in model process ${separate.pid}`), failed)
    embedder = separate
  } else {
    const inline = new TransformersEmbedder()
    modelReady = loadModel({ ...options, log: (m) => log.info(m) }).then((model) => {
      inline.use(model)
      loaded(model, 'in this process')
    }, (err: Error) => {
      inline.disable(err.message)
      failed(err)
    })
    embedder = inline
  }
  const vectors = new VectorCache(store.db, { memoryBytes: config.VECTOR_CACHE_MB * 2 ** 20 })
  const records = config.RECORD_CACHE_SIZE > 0 ? await RecordCache.open(store, config.RECORD_CACHE_SIZE) : null
  // Never fails on the history: one that cannot be read or does not fit GRAPH_MEMORY_MB leaves the
  // graph off (matching without collaboration signals, /ready says so); the process starts anyway,
  // after at most 5 s of reading (a larger history is read behind).
  const graph = await CollaborationGraph.open(store, { memoryBytes: config.GRAPH_MEMORY_MB * 2 ** 20, maxOrgTies: config.GRAPH_MAX_ORG_TIES, log })
  const ranker = await ActiveRanker.open(store, parseWeights(config.RANKING_WEIGHTS))
  return { store, queue, searchIndex, embedder, vectors, records, graph, ranker, modelReady }
}

/** Closes every part, the model last (in-flight requests may still embed). */
export async function closeParts (parts: Parts): Promise<void> {
  await parts.queue.close()
  await parts.graph.close().catch(() => {})
  await parts.records?.close().catch(() => {})
  await parts.ranker.close().catch(() => {})
  await Promise.allSettled([parts.searchIndex.close(), parts.store.close()])
  await parts.modelReady
  await parts.embedder.close()
}
