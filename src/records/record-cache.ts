import { LRUCache } from 'lru-cache'
import type { Store } from '../ports/store.ts'
import { RECORD_CHANGES } from '../store/channels.ts'
import type { StoredRecord } from './record-repository.ts'

/** How long a key written here stays uncacheable if its change is never announced (its transaction rolled back). */
const PENDING_MS = 60_000
/** Pending keys above which a write first sweeps out those older than PENDING_MS (a long import of rolled-back batches). */
const SWEEP_ABOVE = 10_000

/**
 * The records the match path reads (the seeker of a partner match, the person of a recommendation),
 * kept in memory: a store read costs a round trip and the decoding of the body, more than a
 * thousand vector lookups. Kept fresh by the store's notifications:
 * - every applied write or delete announces its `kind/id` on RECORD_CHANGES once it commits
 *   (record-repository.ts), and every process's cache drops that record;
 * - a key written through this process is not served nor filled from its write until its
 *   announcement arrives, so a client reads its own writes here even before that;
 * - a read that overlapped any drop is not kept (it may hold what was just replaced);
 * - after a gap in notifications (the listening connection was lost) everything is dropped.
 * Another process sees a change once the notification reaches it (milliseconds).
 */
export class RecordCache {
  private readonly memory: LRUCache<string, StoredRecord>
  /** Keys written through this process, waiting for their announcement: key → when. */
  private readonly pending = new Map<string, number>()
  /** Bumped by every drop: a read that saw it change is not kept. */
  private generation = 0
  private unlisten: (() => Promise<void>) | null = null
  readonly stats = { hits: 0, reads: 0 }

  constructor (maxRecords: number) {
    this.memory = new LRUCache({ max: Math.max(1, maxRecords) })
  }

  /** A cache that follows the store's record changes (subscribed before it serves anything). */
  static async open (store: Pick<Store, 'listen'>, maxRecords: number): Promise<RecordCache> {
    const cache = new RecordCache(maxRecords)
    cache.unlisten = await store.listen(RECORD_CHANGES, {
      onMessage: (key) => cache.changed(key),
      onGap: () => cache.clear()
    })
    return cache
  }

  /** The record from memory, or `read` from the store (kept unless a change overlapped the read). */
  async get (key: string, read: () => Promise<StoredRecord | null>): Promise<StoredRecord | null> {
    const held = this.memory.get(key)
    if (held && !this.isPending(key)) {
      this.stats.hits++
      return held
    }
    this.stats.reads++
    const generation = this.generation
    const record = await read()
    if (record && generation === this.generation && !this.isPending(key)) this.memory.set(key, record)
    return record
  }

  /** Keys about to change in a transaction of this process: dropped, and not cached until announced. */
  writing (keys: readonly string[]): void {
    const now = Date.now()
    if (this.pending.size > SWEEP_ABOVE) {
      for (const [key, since] of this.pending) if (now - since >= PENDING_MS) this.pending.delete(key)
    }
    for (const key of keys) {
      this.pending.set(key, now)
      this.memory.delete(key)
    }
    this.generation++
  }

  /** Keys of `writing` that the write left as they were (unchanged or stale): nothing will be announced for them. */
  unchanged (keys: readonly string[]): void {
    for (const key of keys) this.pending.delete(key)
  }

  /** A change announced by the store (any process's write, committed). */
  changed (key: string): void {
    this.pending.delete(key)
    this.memory.delete(key)
    this.generation++
  }

  clear (): void {
    this.memory.clear()
    this.pending.clear()
    this.generation++
  }

  usage (): { records: number, hits: number, reads: number } {
    return { records: this.memory.size, ...this.stats }
  }

  async close (): Promise<void> {
    await this.unlisten?.()
    this.unlisten = null
    this.clear()
  }

  private isPending (key: string): boolean {
    const since = this.pending.get(key)
    if (since === undefined) return false
    if (Date.now() - since < PENDING_MS) return true
    this.pending.delete(key)
    return false
  }
}

/** The cache key of a record. */
export const recordKey = (kind: string, id: string): string => `${kind}/${id}`
