/**
 * How deep a JSON body may nest. JSON.parse reads any depth, but much that handles a parsed value
 * afterwards recurses (a validator, JSON.stringify on the way to the store): past a few thousand
 * levels it overflows the stack. No record or request of this API needs more than a few levels, so
 * a body nested deeper than MAX_JSON_DEPTH is refused as bad input, before anything else walks it.
 */

/** The most levels of arrays and objects a body may nest (the body itself is level 1). docs/api.md, "Bad input". */
export const MAX_JSON_DEPTH = 64

export interface TooDeep {
  /** JSON-pointer path of the first array or object past the limit, e.g. "/competencies/0/0". */
  path: string
  problem: string
}

/**
 * The first array or object (in document order) that lies deeper than `max` levels in a parsed
 * JSON value, or null. Walks with its own stack, never by recursion, so any depth is safe to check.
 */
export function findTooDeep (value: unknown, max = MAX_JSON_DEPTH): TooDeep | null {
  const stack: Array<{ value: unknown, path: string, depth: number }> = [{ value, path: '', depth: 1 }]
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop() as { value: unknown, path: string, depth: number }
    if (v === null || typeof v !== 'object') continue
    if (depth > max) return { path, problem: `is nested more than ${max} levels deep (arrays and objects), the most a body may have` }
    // Children pushed last-first, so that they are visited in document order.
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        if (v[i] !== null && typeof v[i] === 'object') stack.push({ value: v[i], path: `${path}/${i}`, depth: depth + 1 })
      }
    } else {
      const entries = Object.entries(v)
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown]
        if (child !== null && typeof child === 'object') stack.push({ value: child, path: `${path}/${key}`, depth: depth + 1 })
      }
    }
  }
  return null
}
