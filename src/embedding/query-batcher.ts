import { LRUCache } from 'lru-cache'
import type { EmbedOptions, Embedder, ModelStatus, TextRole } from '../ports/embedder.ts'
import type { PartHealth } from '../ports/health.ts'

export interface QueryBatcherOptions {
  /** Query texts whose vectors are kept (the most recently used). 0 turns the cache off. Default 1,000. */
  cacheEntries?: number
  /** Most query texts in one model call. Default 64. */
  maxBatch?: number
}

interface Waiting { text: string, deadlineMs: number | undefined, resolve: (v: Float32Array) => void, reject: (e: unknown) => void }

/**
 * The embedder the service's requests go through. A user's query text (one text, role `query`) is
 * answered from a small cache when it was asked before, else joins the next model call: while one
 * call of query texts runs, the texts that arrive wait and then go together in one call (a batch
 * costs little more than one text on onnxruntime, and the model runs one call at a time anyway), so
 * concurrent free-text requests share model calls without a timer adding latency to a lone one.
 * Everything else (passages, phrases, indexing) goes straight to the model.
 */
export class QueryBatcher implements Embedder {
  private readonly cache: LRUCache<string, Float32Array> | null
  private readonly maxBatch: number
  private readonly waiting: Waiting[] = []
  private running = false
  /** Model calls made for query texts, and the texts they carried (tests and status). */
  readonly stats = { calls: 0, texts: 0, cacheHits: 0 }

  constructor (private readonly inner: Embedder, options: QueryBatcherOptions = {}) {
    const entries = options.cacheEntries ?? 1000
    this.cache = entries > 0 ? new LRUCache({ max: entries }) : null
    this.maxBatch = options.maxBatch ?? 64
  }

  get model (): string | null { return this.inner.model }
  get dimensions (): number { return this.inner.dimensions }
  get available (): boolean { return this.inner.available }
  get status (): ModelStatus | undefined { return this.inner.status }
  health (): Promise<PartHealth> { return this.inner.health() }
  close (): Promise<void> { return this.inner.close() }

  async embed (texts: readonly string[], role: TextRole, options?: EmbedOptions): Promise<Float32Array[]> {
    const text = texts[0]
    if (role !== 'query' || texts.length !== 1 || text === undefined || options?.background) return this.inner.embed(texts, role, options)
    const key = `${this.inner.model ?? ''}\u0000${text}`
    const cached = this.cache?.get(key)
    if (cached) {
      this.stats.cacheHits++
      return [cached.slice()]
    }
    const vector = await new Promise<Float32Array>((resolve, reject) => {
      this.waiting.push({ text, deadlineMs: options?.deadlineMs, resolve, reject })
      this.next()
    })
    this.cache?.set(key, vector)
    return [vector.slice()]
  }

  private next (): void {
    if (this.running || this.waiting.length === 0) return
    const batch = this.waiting.splice(0, this.maxBatch)
    const unique = [...new Set(batch.map((w) => w.text))]
    const deadlines = batch.map((w) => w.deadlineMs).filter((d): d is number => d !== undefined)
    this.running = true
    this.stats.calls++
    this.stats.texts += unique.length
    this.inner.embed(unique, 'query', deadlines.length > 0 ? { deadlineMs: Math.min(...deadlines) } : {})
      .then((vectors) => {
        const byText = new Map(unique.map((t, i) => [t, vectors[i] as Float32Array]))
        for (const w of batch) w.resolve(byText.get(w.text) as Float32Array)
      }, (err: unknown) => { for (const w of batch) w.reject(err) })
      .finally(() => {
        this.running = false
        this.next()
      })
  }
}
