export interface TokenBatchOptions {
  /** Most texts in a batch. Default 32. */
  maxTexts?: number
  /** Most padded tokens in a batch (texts × the longest's tokens); a single longer text still goes alone. Default 1024. */
  maxTokens?: number
}

/**
 * Cuts texts into model batches: indices sorted by token count (each batch is padded to its longest
 * text, so texts of about as many tokens go together), a batch closing at `maxTexts` texts or
 * `maxTokens` padded tokens. Fewer long texts per batch run faster per token on these CPUs: replaying
 * the benchmark import's first indexing jobs (their real texts, each job's batches timed in turn),
 * batches of at most 1,024 padded tokens took 0.84-0.88 of the time of batches of 32 texts, 512
 * tokens 0.89, 256 tokens 1.02 (too many small batches).
 */
export function tokenBatches (lengths: readonly number[], options: TokenBatchOptions = {}): number[][] {
  const maxTexts = options.maxTexts ?? 32
  const maxTokens = options.maxTokens ?? 1024
  const order = lengths.map((_, i) => i).sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b)
  const batches: number[][] = []
  let batch: number[] = []
  for (const i of order) {
    // Sorted ascending, so the text joining is the batch's longest.
    if (batch.length > 0 && (batch.length >= maxTexts || (batch.length + 1) * (lengths[i] as number) > maxTokens)) {
      batches.push(batch)
      batch = []
    }
    batch.push(i)
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}
