/** Latency percentiles and throughput of one pass. */
export interface PassResult {
  requests: number
  errors: number
  p50: number
  p95: number
  p99: number
  mean: number
  /** Requests per second over the pass. */
  throughput: number
}

/**
 * Runs `task` once per item with `concurrency` in flight (closed loop: each worker starts its next
 * request when the previous one ends) and measures each call's latency in ms.
 */
export async function runPass<T> (items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<PassResult> {
  const latencies: number[] = []
  let errors = 0
  let next = 0
  const started = performance.now()
  const worker = async () => {
    for (;;) {
      const i = next++
      if (i >= items.length) return
      const t0 = performance.now()
      try {
        await task(items[i] as T)
        latencies.push(performance.now() - t0)
      } catch (err) {
        errors++
        if (errors === 1) console.error(`request failed: ${(err as Error).message}`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN)
  return {
    requests: latencies.length,
    errors,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    mean: round(latencies.reduce((s, x) => s + x, 0) / (latencies.length || 1)),
    throughput: round(latencies.length / elapsed)
  }
}

function round (x: number): number {
  return Math.round(x * 100) / 100
}
