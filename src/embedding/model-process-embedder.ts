import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { EmbedOptions, Embedder, ModelStatus, TextRole } from '../ports/embedder.ts'
import { EmbedderTimeoutError, EmbedderUnavailableError } from '../ports/embedder.ts'
import type { PartHealth } from '../ports/health.ts'
import type { LoadModelOptions } from './load-model.ts'
import type { ModelInfo } from './model-info.ts'
import type { ModelReply, ModelRequest } from './model-protocol.ts'
import { embedderHealth } from './embedder-health.ts'
import { ModelState } from './model-state.ts'

export interface ModelProcessLog {
  info (line: string): void
  warn (line: string): void
}

const ENTRY = fileURLToPath(new URL('./model-process.ts', import.meta.url))
/** The model process runs TypeScript through the same loader as the service. */
const LOADER = import.meta.resolve('tsx')

const FIRST_RESTART_BACKOFF_MS = 1000
const MAX_RESTART_BACKOFF_MS = 60_000

/** One model process and the calls waiting for it. */
class ModelChild {
  readonly process: ChildProcess
  /** Resolves once the model has loaded there; rejects when it cannot load or the process dies first. */
  readonly ready: Promise<ModelInfo>
  alive = true
  private readonly pending = new Map<number, { resolve: (v: Float32Array[]) => void, reject: (e: Error) => void }>()
  private nextId = 1

  /** `onHeard`: the process sent something (it is not frozen), even an answer no call waits for any more. */
  constructor (options: Omit<LoadModelOptions, 'log'>, log: ModelProcessLog, onExit: (child: ModelChild, reason: string) => void, onHeard: () => void) {
    this.process = fork(ENTRY, [], { execArgv: ['--import', LOADER], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.ready = new Promise<ModelInfo>((resolve, reject) => {
      this.process.on('message', (m: ModelReply) => {
        onHeard()
        if (m.type === 'log') log.info(m.line)
        else if (m.type === 'loaded') resolve(m.model)
        else if (m.type === 'load-failed') reject(new Error(m.message))
        else {
          const call = this.pending.get(m.id)
          this.pending.delete(m.id)
          if (m.type === 'vectors') call?.resolve(m.vectors)
          else call?.reject(new Error(m.message))
        }
      })
      // A process that cannot start fails the load; one that fails later has its exit reported below.
      this.process.once('error', reject)
      this.process.once('exit', (code, signal) => {
        this.alive = false
        // Without the pid: the message travels with the failed calls, to whoever made them; the log has it (onExit).
        const err = new EmbedderUnavailableError(`the model process stopped: it exited with ${signal ?? `code ${code}`}`, 'gone')
        reject(err)
        for (const call of this.pending.values()) call.reject(err)
        this.pending.clear()
        onExit(this, `the model process (pid ${this.process.pid}) exited with ${signal ?? `code ${code}`}`)
      })
    })
    this.send({ type: 'load', options })
  }

  embed (texts: readonly string[], role: TextRole, background: boolean, deadlineMs?: number): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++
      // Past the deadline the call fails and forgets its id: a late answer is dropped.
      const timer = deadlineMs === undefined
        ? null
        : setTimeout(() => {
          this.pending.delete(id)
          reject(new EmbedderTimeoutError(`the model did not answer within ${deadlineMs} ms`, 'not-answering'))
        }, deadlineMs)
      const settle = <T>(fn: (v: T) => void) => (v: T) => { if (timer) clearTimeout(timer); fn(v) }
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) })
      this.send({ type: 'embed', id, texts, role, background })
    })
  }

  /** Closes the channel (the process then exits on its own) and waits, killing it after `graceMs`. */
  async stop (graceMs: number): Promise<void> {
    if (!this.alive) return
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()))
    if (this.process.connected) this.process.disconnect()
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }

  private send (message: ModelRequest): void {
    this.process.send(message, (err) => {
      // The process is gone: its exit rejects what waits for it.
      if (err && this.alive) this.process.kill('SIGKILL')
    })
  }
}

/**
 * The Embedder port over a model in its own process (the default): onnxruntime-node's inference holds
 * the thread that calls it, so in the API process every batch would hold up every request (and
 * indexing batches, hundreds of ms each, would stall the store and the index). Batches still run one
 * at a time there, user-facing ones first. A process that dies fails the calls it held; the next call
 * starts a new one. A replacement that cannot load its model (its files gone, memory short) is not
 * retried at every call: calls fail at once, saying why, until a back-off (1 s, doubling to 60 s) has
 * passed.
 *
 * It keeps the model's state (`status`, model-state.ts) from what happens to its calls. A call someone
 * waits for that misses its deadline marks the model not answering (a frozen or overloaded process):
 * until the process sends anything again (the late answer to that call is enough, so no other probe
 * is needed), calls someone waits for fail at once instead of each waiting out the deadline. Indexing
 * calls (background) keep waiting: they have no deadline, and a process that wakes answers them.
 */
export class ModelProcessEmbedder implements Embedder {
  private info: ModelInfo | null = null
  private child: ModelChild | null = null
  private starting: Promise<ModelChild> | null = null
  private options: Omit<LoadModelOptions, 'log'> | null = null
  private readonly state: ModelState
  /** The deadline the call that found the model not answering missed. */
  private missedMs = 0
  private closed = false
  /** Model processes started since this embedder was made (1 unless one died). */
  starts = 0
  /** After a replacement failed to start: why, when the next may start, and the back-off after that. */
  private failedRestart: { reason: string, retryAt: number, backoffMs: number } | null = null

  /**
   * `deadlineMs`: how long a user-facing call (not `background`) may wait for the model process
   * before it fails with EmbedderTimeoutError. Default 5000. An answer slower than half of it marks the model slow.
   */
  constructor (private readonly log: ModelProcessLog = { info: () => {}, warn: () => {} }, private readonly limits: { deadlineMs?: number } = {}) {
    this.state = new ModelState((now, before) => {
      // The load and its failure are logged where the model is started (parts.ts); closing is no news.
      if (this.closed || before.state === 'loading') return
      const detail = now.detail ? ` (${now.detail})` : ''
      // Slow and available both match on meaning: not logged (/v1/status shows which), or a busy host's log flaps with them.
      if (now.semanticMatching && before.semanticMatching) return
      if (now.semanticMatching) this.log.info(`semantic matching is back on: the embedding model answers again${detail}`)
      else this.log.warn(`semantic matching is OFF until the model answers: ${now.reason}${detail}; free text is matched on its words`)
    })
  }

  get model (): string | null { return this.info?.spec.name ?? null }
  get dimensions (): number { return this.info?.spec.dimensions ?? 384 }
  get available (): boolean { return this.info !== null }
  get status (): ModelStatus { return this.state.status }
  /** The running model process's pid, if one runs. */
  get pid (): number | undefined { return this.child?.alive ? this.child.process.pid : undefined }
  private get deadlineMs (): number { return this.limits.deadlineMs ?? 5000 }

  /** Starts the model process and loads the model there; rejects, turning semantic matching off, when no source has it. */
  async start (options: Omit<LoadModelOptions, 'log'>): Promise<ModelInfo> {
    this.options = options
    try {
      const child = await this.spawn()
      if (this.closed) throw new EmbedderUnavailableError('no embedding model: closed', 'off')
      this.info = await child.ready
      this.state.set('available', this.where(child))
      return this.info
    } catch (err) {
      this.disable((err as Error).message)
      throw err
    }
  }

  /** Records that no model could be loaded: semantic matching is off, and why. */
  disable (reason: string): void {
    this.info = null
    this.state.set('off', reason)
  }

  async embed (texts: readonly string[], role: TextRole, options: EmbedOptions = {}): Promise<Float32Array[]> {
    if (!this.info) throw new EmbedderUnavailableError(`no embedding model: ${this.state.status.detail ?? this.state.status.reason}`, this.state.state)
    if (texts.length === 0) return []
    const background = options.background ?? false
    if (!background && this.state.state === 'not-answering') {
      throw new EmbedderTimeoutError(`the model did not answer within ${this.missedMs} ms (${this.state.status.since}) and has not answered since`, 'not-answering')
    }
    const deadlineMs = options.deadlineMs ?? (background ? undefined : this.deadlineMs)
    const child = this.child?.alive ? this.child : await this.restart()
    const started = performance.now()
    try {
      const vectors = await child.embed(texts, role, background, deadlineMs)
      if (deadlineMs !== undefined && child === this.child) this.answered(child, performance.now() - started, deadlineMs)
      return vectors
    } catch (err) {
      if (err instanceof EmbedderTimeoutError && child === this.child && child.alive) {
        this.missedMs = deadlineMs as number
        this.state.set('not-answering', `model process ${child.process.pid} did not answer within ${deadlineMs} ms`)
      }
      throw err
    }
  }

  /** A call someone waited for was answered: available, or slow past half its deadline. */
  private answered (child: ModelChild, ms: number, deadlineMs: number): void {
    if (ms > deadlineMs / 2) this.state.set('slow', `model process ${child.process.pid} answered in ${Math.round(ms)} ms, the deadline is ${deadlineMs} ms`)
    else if (this.state.state !== 'available') this.state.set('available', this.where(child))
  }

  /** The process sent something: one that was not answering is back. */
  private heard (child: ModelChild): void {
    if (child === this.child && this.state.state === 'not-answering') this.state.set('available', this.where(child))
  }

  private where (child: ModelChild): string {
    return `${this.info?.spec.name ?? 'the model'} in model process ${child.process.pid}`
  }

  /** A new model process after one died, unless the last attempt failed less than its back-off ago. */
  private async restart (): Promise<ModelChild> {
    const failed = this.failedRestart
    if (failed && Date.now() < failed.retryAt && !this.starting) {
      throw new EmbedderUnavailableError(`the model process could not be restarted (${failed.reason}); next attempt in ${Math.ceil((failed.retryAt - Date.now()) / 1000)} s`, 'gone')
    }
    try {
      const child = await this.spawn()
      this.failedRestart = null
      if (!this.closed) this.state.set('available', this.where(child))
      return child
    } catch (err) {
      if (this.closed) throw err
      const backoffMs = failed ? Math.min(failed.backoffMs * 2, MAX_RESTART_BACKOFF_MS) : FIRST_RESTART_BACKOFF_MS
      this.failedRestart = { reason: (err as Error).message, retryAt: Date.now() + backoffMs, backoffMs }
      this.log.warn(`the model process could not be restarted: ${(err as Error).message}; next attempt in ${backoffMs / 1000} s`)
      this.state.set('gone', `the model process could not be restarted: ${(err as Error).message}; next attempt in ${backoffMs / 1000} s`,
        'the embedding model\'s process stopped and could not be restarted yet; it is tried again')
      throw new EmbedderUnavailableError(`the model process could not be restarted: ${(err as Error).message}`, 'gone')
    }
  }

  /**
   * The model's health from its state (embedder-health.ts). While its process is gone the check
   * starts the replacement, as a call would, without waiting for it: /ready must answer at once.
   */
  health (): Promise<PartHealth> {
    if (this.info && this.state.state === 'gone' && !this.starting) this.restart().catch(() => {})
    return embedderHealth(this, this.info, () => this.state.status, `, in model process ${this.pid ?? '(restarting)'}`)
  }

  async close (): Promise<void> {
    this.closed = true
    this.disable('closed')
    const child = this.child ?? await this.starting?.catch(() => null)
    this.child = null
    await child?.stop(5000)
  }

  /** The running model process, or a new one once its model has loaded (one start at a time). */
  private spawn (): Promise<ModelChild> {
    if (this.closed || !this.options) return Promise.reject(new EmbedderUnavailableError('no embedding model: closed', 'off'))
    const options = this.options
    this.starting ??= (async () => {
      this.starts++
      const child: ModelChild = new ModelChild(options, this.log, (c, reason) => {
        if (this.child === c) this.child = null
        if (this.closed) return
        this.log.warn(`${reason}; the next embedding starts a new one`)
        if (this.info) this.state.set('gone', reason)
      }, () => this.heard(child))
      try {
        await child.ready
      } catch (err) {
        await child.stop(1000)
        throw err
      }
      this.child = child
      return child
    })().finally(() => { this.starting = null })
    return this.starting
  }
}
