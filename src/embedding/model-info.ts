import type { ModelSpec } from './model-catalog.ts'

/** Where a model was loaded from. */
export type ModelOrigin = 'path' | 'models-dir' | 'hub' | 'maven'

/** What a loaded model is, without its session (which may live in another process). */
export interface ModelInfo {
  spec: ModelSpec
  origin: ModelOrigin
  /** Folder or hub id it was loaded from. */
  location: string
  loadMs: number
}
