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
  /** True once a model is loaded. */
  readonly available: boolean
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

export class EmbedderUnavailableError extends Error {
  readonly code: string = 'ERR_EMBEDDER_UNAVAILABLE'
}

/** The model did not answer within the call's deadline (a frozen or overloaded model process). */
export class EmbedderTimeoutError extends EmbedderUnavailableError {
  override readonly code = 'ERR_EMBEDDER_TIMEOUT'
}
