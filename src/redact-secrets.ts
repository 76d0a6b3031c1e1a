/**
 * Removes credentials from a text meant for people (health details, status): the user and password
 * of a URL (`http://elastic:s3cret@host` becomes `http://***@host`) and `password=`, `apikey=`,
 * `token=` or `secret=` values.
 */
export function redactSecrets (text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@')
    .replace(/\b(password|passwd|pwd|api[_-]?key|token|secret)(["']?\s*[=:]\s*["']?)[^\s&"',;]+/gi, '$1$2***')
}
