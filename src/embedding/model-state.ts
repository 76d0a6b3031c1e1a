import type { Embedder, ModelCondition, ModelStatus } from '../ports/embedder.ts'

/** What a caller of any scope is told for each state: words, never a process id, a path or an error text. */
const REASONS: Record<ModelCondition, string | null> = {
  loading: 'the embedding model is loading',
  available: null,
  slow: 'the embedding model answers slowly',
  'not-answering': 'the embedding model does not answer (its process is frozen or overloaded)',
  gone: 'the embedding model\'s process stopped; a new one is being started',
  off: 'no embedding model is loaded'
}

/** Whether free text is compared on meaning in a state. */
export const SEMANTIC: Record<ModelCondition, boolean> = { loading: false, available: true, slow: true, 'not-answering': false, gone: false, off: false }

/**
 * The model's state, kept by the embedder from what happens to its calls (deadlines missed, answers,
 * its process exiting or starting): the one source /ready, /v1/status and the responses read, so they
 * cannot disagree. `onChange` hears each change of state (the log).
 */
export class ModelState {
  private current: ModelStatus = status('loading', null)

  constructor (private readonly onChange: (now: ModelStatus, before: ModelStatus) => void = () => {}) {}

  get status (): ModelStatus { return this.current }
  get state (): ModelCondition { return this.current.state }

  /** Enters `state` (the same state: only its detail is updated). `reason` overrides the state's words. */
  set (state: ModelCondition, detail: string | null = null, reason?: string): void {
    const before = this.current
    if (before.state === state) {
      this.current = { ...before, detail, ...(reason === undefined ? {} : { reason }) }
      return
    }
    this.current = status(state, detail, reason)
    this.onChange(this.current, before)
  }
}

function status (state: ModelCondition, detail: string | null, reason?: string): ModelStatus {
  return { state, semanticMatching: SEMANTIC[state], reason: reason ?? REASONS[state], since: new Date().toISOString(), detail }
}

/** An embedder's status; one that keeps none is available or off. */
export function modelStatusOf (embedder: Embedder): ModelStatus {
  return embedder.status ?? { ...status(embedder.available ? 'available' : 'off', null), since: new Date(0).toISOString() }
}
