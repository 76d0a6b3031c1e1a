import type { HealthCheck } from './health.ts'

/**
 * What a text is, for models that embed queries and passages differently (e5's "query: " / "passage: ").
 * `phrase`: a short label compared with other labels (symmetric similarity).
 */
export type TextRole = 'query' | 'passage' | 'phrase'

/**
 * Turns texts into unit-length vectors. When no model could be loaded the embedder stays
 * `available: false` and callers fall back to lexical matching.
 */
export interface Embedder extends HealthCheck {
  /** Model name in use (catalog name or hub id), or null while none is loaded. */
  readonly model: string | null
  /** Vector length (384 for every catalog model). */
  readonly dimensions: number
  /**
   * True once a model is loaded: its stored vectors count (a stored profile is matched on them, and
   * indexing waits for the model rather than indexing without vectors). Whether the model answers
   * now is `status`.
   */
  readonly available: boolean
  /**
   * What the model can do now, the one answer /ready, /v1/status and the responses give. Optional:
   * an embedder without it is `available` or `off` (modelStatusOf in src/embedding/model-state.ts).
   */
  readonly status?: ModelStatus
  /**
   * Embeds texts, any number of them, in the input order; vectors are L2-normalised. Throws
   * EmbedderUnavailableError without a model. The embedder cuts a long list into batches of texts of
   * similar token length; batches run one at a time, and `background` ones (indexing) wait behind
   * requests a user waits for.
   */
  embed (texts: readonly string[], role: TextRole, options?: EmbedOptions): Promise<Float32Array[]>
  /** Releases the model session. */
  close (): Promise<void>
}

export interface EmbedOptions {
  /** Work nobody is waiting for (indexing): it yields to user-facing calls. Default false. */
  background?: boolean
  /** Fail with EmbedderTimeoutError past this many ms. Default: the embedder's deadline for user-facing calls, none for background ones. */
  deadlineMs?: number
}

/**
 * loading: no model yet; available: it answers; slow: it answers, slower than half its deadline;
 * not-answering: a call someone waited for missed its deadline (a frozen or overloaded process) and
 * calls fail at once until the process answers again; gone: its process exited (or could not be
 * restarted) and a new one is being started; off: no model could be loaded, or none is wanted.
 */
export type ModelCondition = 'loading' | 'available' | 'slow' | 'not-answering' | 'gone' | 'off'

export interface ModelStatus {
  state: ModelCondition
  /** Free text is compared on meaning now: available or slow. */
  semanticMatching: boolean
  /** Why it is not available, in words any caller may read (no process id, path or error text); null when available. */
  reason: string | null
  /** When it entered this state (ISO 8601). */
  since: string
  /** For admins only: the process, the error, the deadline. */
  detail: string | null
}

export class EmbedderUnavailableError extends Error {
  readonly code: string = 'ERR_EMBEDDER_UNAVAILABLE'
  /** The model's state that made the call fail, when the embedder knows it. */
  readonly state: ModelCondition | undefined
  constructor (message: string, state?: ModelCondition) {
    super(message)
    this.state = state
  }
}

/** The model did not answer within the call's deadline (a frozen or overloaded model process). */
export class EmbedderTimeoutError extends EmbedderUnavailableError {
  override readonly code = 'ERR_EMBEDDER_TIMEOUT'
}
