/**
 * The README's shell examples as the test of the tour runs them: each `curl` command exactly as
 * written (its continuation lines and multi-line quoted bodies included) and the output lines
 * printed under it.
 */
export interface Example { command: string, expected: string[] }

/** Every example of the ```sh blocks of `markdown` (a block may hold several), in order. */
export function readmeExamples (markdown: string): Example[] {
  const examples: Example[] = []
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    const lines = (block[1] ?? '').split('\n').filter((l, i, all) => i < all.length - 1 || l !== '')
    let i = 0
    while (i < lines.length) {
      if (!/^curl\s/.test(lines[i] ?? '')) { i++; continue }
      const command: string[] = []
      while (i < lines.length) {
        command.push(lines[i] as string)
        i++
        if (complete(command.join('\n'))) break
      }
      const expected: string[] = []
      while (i < lines.length && !/^curl\s/.test(lines[i] ?? '')) expected.push(lines[i++] as string)
      examples.push({ command: command.join('\n'), expected: expected.filter((l) => l.trim() !== '') })
    }
  }
  return examples
}

/** Whether a shell command ends here: no quote left open and no trailing backslash. */
function complete (text: string): boolean {
  let quote: '"' | "'" | null = null
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote === "'") { if (c === "'") quote = null; continue }
    if (c === '\\') { i++; continue }
    if (quote === '"') { if (c === '"') quote = null; continue }
    if (c === '"' || c === "'") quote = c
  }
  return quote === null && !/\\$/.test(text)
}

/**
 * Differences between an example's expected and actual output lines: JSON lines compared value by
 * value (names, ids, order and texts exactly; integers exactly; other numbers within `tolerance`),
 * other lines as text; a result line whose score is within `tolerance` of the README's at that place
 * is a near-tie and may name another result. Empty when they agree.
 */
export function outputDifferences (expected: readonly string[], actual: readonly string[], tolerance: number): string[] {
  const problems: string[] = []
  if (expected.length !== actual.length) problems.push(`${actual.length} lines where the README shows ${expected.length}`)
  for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
    const e = parse(expected[i] as string)
    const a = parse(actual[i] as string)
    if (e === undefined || a === undefined) {
      if (expected[i] !== actual[i]) problems.push(`line ${i + 1}: ${actual[i]} (README: ${expected[i]})`)
      continue
    }
    const found = differences(e, a, tolerance, '')
    // Results whose scores are within the tolerance are a near-tie: which of them comes first, or
    // makes the cut of the limit, is not part of what the README promises.
    if (found.length > 0 && nearTie(e, a, tolerance)) continue
    for (const p of found) problems.push(`line ${i + 1}: ${p}`)
  }
  return problems
}

function nearTie (e: unknown, a: unknown, tolerance: number): boolean {
  const score = (v: unknown) => v !== null && typeof v === 'object' && typeof (v as { score?: unknown }).score === 'number' ? (v as { score: number }).score : null
  const x = score(e)
  const y = score(a)
  return x !== null && y !== null && Math.abs(x - y) <= tolerance
}

function parse (line: string): unknown {
  try { return JSON.parse(line) } catch { return undefined }
}

function differences (e: unknown, a: unknown, tolerance: number, path: string): string[] {
  const at = path || '.'
  if (typeof e === 'number' && typeof a === 'number') {
    const ok = Number.isInteger(e) && Number.isInteger(a) ? e === a : Math.abs(e - a) <= tolerance
    return ok ? [] : [`${at}: ${a} (README: ${e})`]
  }
  if (Array.isArray(e) && Array.isArray(a)) {
    if (e.length !== a.length) return [`${at}: ${JSON.stringify(a)} (README: ${JSON.stringify(e)})`]
    return e.flatMap((x, i) => differences(x, a[i], tolerance, `${path}[${i}]`))
  }
  if (e !== null && a !== null && typeof e === 'object' && typeof a === 'object' && !Array.isArray(e) && !Array.isArray(a)) {
    const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])]
    return keys.flatMap((k) => differences((e as Record<string, unknown>)[k], (a as Record<string, unknown>)[k], tolerance, `${path}.${k}`))
  }
  return JSON.stringify(e) === JSON.stringify(a) ? [] : [`${at}: ${JSON.stringify(a)} (README: ${JSON.stringify(e)})`]
}
