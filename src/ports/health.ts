/** What every port reports to `GET /ready`. */
export interface PartHealth {
  /** The port: store, queue, searchIndex or embedder. */
  part: string
  /** Which adapter serves it, e.g. "postgres", "pglite", "bullmq", "elasticsearch". */
  adapter: string
  /** up: answering; down: failing; off: deliberately unavailable (e.g. no model, lexical fallback); loading: starting. */
  status: 'up' | 'down' | 'off' | 'loading'
  /** Round-trip time of the check, in milliseconds. */
  latencyMs: number
  /** One line a person can act on: where it is, or why it is not up. */
  detail?: string
}

/** A part that can tell whether it works. */
export interface HealthCheck {
  health (): Promise<PartHealth>
}

/**
 * Times a probe and turns its outcome into a PartHealth. A probe that does not answer within
 * `timeoutMs` counts as down: a readiness check must not hang while a dependency is away.
 */
export async function probe (part: string, adapter: string, check: () => Promise<string | undefined>, timeoutMs = 2000): Promise<PartHealth> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const detail = await Promise.race([
      check(),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      })
    ])
    return { part, adapter, status: 'up', latencyMs: elapsed(started), ...(detail ? { detail } : {}) }
  } catch (err) {
    return { part, adapter, status: 'down', latencyMs: elapsed(started), detail: (err as Error).message }
  } finally {
    clearTimeout(timer)
  }
}

function elapsed (started: number): number {
  return Math.round((performance.now() - started) * 100) / 100
}
