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

/** The first string (value or key) anywhere in a parsed JSON value that cannot be stored. */
export function findUnstorableText (value: unknown, path = ''): UnstorableText | null {
  if (typeof value === 'string') {
    const problem = textProblem(value)
    return problem ? { path, problem } : null
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], `${path}/${i}`)
      if (found) return found
    }
    return null
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const keyProblem = textProblem(key)
      if (keyProblem) return { path: `${path}/${JSON.stringify(key).slice(1, -1)}`, problem: `is a field name that ${keyProblem}` }
      const found = findUnstorableText(v, `${path}/${key}`)
      if (found) return found
    }
  }
  return null
}
