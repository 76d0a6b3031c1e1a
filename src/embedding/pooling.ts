/**
 * Sentence vectors from a model's token vectors: mean over the unpadded tokens or the first ([CLS])
 * token, as the model card prescribes, then scaled to unit length (so a dot product is the cosine).
 *
 * @param hidden the model's last hidden state, `batch × seq × dim`, row-major
 * @param mask the attention mask, `batch × seq`: 0 for padding
 */
export function poolAndNormalize (
  hidden: Float32Array,
  [batch, seq, dim]: readonly [number, number, number],
  mask: ArrayLike<number | bigint>,
  pooling: 'mean' | 'cls'
): Float32Array[] {
  const vectors: Float32Array[] = new Array(batch)
  for (let b = 0; b < batch; b++) {
    const v = new Float32Array(dim)
    if (pooling === 'cls') {
      v.set(hidden.subarray(b * seq * dim, b * seq * dim + dim))
    } else {
      let count = 0
      for (let s = 0; s < seq; s++) {
        if (Number(mask[b * seq + s]) === 0) continue
        count++
        const base = (b * seq + s) * dim
        for (let d = 0; d < dim; d++) v[d] = (v[d] as number) + (hidden[base + d] as number)
      }
      const inv = 1 / Math.max(count, 1)
      for (let d = 0; d < dim; d++) v[d] = (v[d] as number) * inv
    }
    let norm = 0
    for (let d = 0; d < dim; d++) norm += (v[d] as number) ** 2
    const inv = 1 / (Math.sqrt(norm) || 1)
    for (let d = 0; d < dim; d++) v[d] = (v[d] as number) * inv
    vectors[b] = v
  }
  return vectors
}
