import type { TextRole } from '../ports/embedder.ts'
import type { LoadModelOptions } from './load-model.ts'
import type { ModelInfo } from './model-info.ts'

/** Messages from the API (or worker) process to its model process. */
export type ModelRequest =
  | { type: 'load', options: Omit<LoadModelOptions, 'log'> }
  | { type: 'embed', id: number, texts: readonly string[], role: TextRole, background: boolean }

/** Messages back. */
export type ModelReply =
  | { type: 'log', line: string }
  | { type: 'loaded', model: ModelInfo }
  | { type: 'load-failed', message: string }
  | { type: 'vectors', id: number, vectors: Float32Array[] }
  | { type: 'failed', id: number, message: string }
