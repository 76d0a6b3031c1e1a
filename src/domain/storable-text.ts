/**
 * Text the store can hold. JSON can carry a NUL (`\u0000`) or half of a surrogate pair (`\ud800`
 * alone), and JavaScript strings hold both, but Postgres text and jsonb refuse them: such a value
 * must be refused as bad input, field by field, before it reaches a transaction.
 */

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export interface UnstorableText {
  /** JSON-pointer path of the value (or key) at fault, e.g. "/competencies/2". */
  path: string
  problem: string
}

/** What is wrong with a string, or null when it can be stored. */
export function textProblem (value: string): string | null {
  if (value.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored'
  if (LONE_SURROGATE.test(value)) return 'contains a lone UTF-16 surrogate (half of a character), which cannot be stored'
  return null
}

/** A step of the walk: a value at a path, or a field name to check before that field's value. */
type Step = { value: unknown, path: string, key?: undefined } | { key: string, path: string }

/**
 * The first string (value or key), in document order, anywhere in a parsed JSON value that cannot
 * be stored. Walks with its own stack, never by recursion: a value of any depth is safe to check.
 */
export function findUnstorableText (value: unknown): UnstorableText | null {
  const stack: Step[] = [{ value, path: '' }]
  while (stack.length > 0) {
    const step = stack.pop() as Step
    if (step.key !== undefined) {
      const keyProblem = textProblem(step.key)
      if (keyProblem) return { path: step.path, problem: `is a field name that ${keyProblem}` }
      continue
    }
    const { value: v, path } = step
    if (typeof v === 'string') {
      const problem = textProblem(v)
      if (problem) return { path, problem }
    } else if (Array.isArray(v)) {
      // Children pushed last-first, so that they are visited in document order.
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}/${i}` })
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v)
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown]
        stack.push({ value: child, path: `${path}/${key}` })
        // A field name is checked before its value (popped first).
        stack.push({ key, path: `${path}/${JSON.stringify(key).slice(1, -1)}` })
      }
    }
  }
  return null
}
