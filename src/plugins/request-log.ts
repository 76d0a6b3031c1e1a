import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'

export interface RequestLogOptions {
  /** A request answered slower than this is logged at warn (SLOW_REQUEST_MS). */
  slowRequestMs: number
  /** How often the summary is logged while requests come. Default one minute. */
  summaryIntervalMs?: number
}

/** What one summary says: the requests of one interval. */
export interface RequestSummary {
  /** Seconds the interval lasted. */
  seconds: number
  requests: number
  clientErrors: number
  serverErrors: number
  p50Ms: number
  p95Ms: number
}

// Probes (a load balancer's, an orchestrator's) come every few seconds for ever: counted, they would
// make a summary every minute of an idle service, so they are left to the debug lines.
const PROBES = new Set(['/health', '/ready'])
// Latencies kept per interval: past it, a uniform sample of the interval's (reservoir sampling), so a
// flood of requests costs the same memory as a busy minute.
const SAMPLES = 10_000

/** The requests of the current interval: counts and a sample of latencies. */
export class RequestWindow {
  private requests = 0
  private clientErrors = 0
  private serverErrors = 0
  private latencies: number[] = []
  private since = performance.now()

  add (statusCode: number, ms: number): void {
    this.requests++
    if (statusCode >= 500) this.serverErrors++
    else if (statusCode >= 400) this.clientErrors++
    if (this.latencies.length < SAMPLES) this.latencies.push(ms)
    else {
      const at = Math.floor(Math.random() * this.requests)
      if (at < SAMPLES) this.latencies[at] = ms
    }
  }

  /** The interval's summary (null when no request came), and a new interval begins. */
  take (): RequestSummary | null {
    if (this.requests === 0) {
      this.since = performance.now()
      return null
    }
    const sorted = this.latencies.sort((a, b) => a - b)
    const summary = { seconds: Math.round((performance.now() - this.since) / 1000), requests: this.requests, clientErrors: this.clientErrors, serverErrors: this.serverErrors, p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95) }
    this.requests = this.clientErrors = this.serverErrors = 0
    this.latencies = []
    this.since = performance.now()
    return summary
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile (sorted: readonly number[], p: number): number {
  return Math.round(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0)
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Logs the summary of the requests since the last one now (the timer does it every interval; tests call it). */
    logRequestSummary (): void
  }
}

const errorLogged = new WeakSet<FastifyRequest>()

/**
 * Request logs an operator can read. Fastify's line per request is at debug (build.ts); at info the
 * log gets one summary a minute while requests come, a warn line for each request slower than SLOW_REQUEST_MS, and
 * one for each 5xx answer the error handler did not already log (it logs thrown errors with their stack).
 */
async function requestLog (app: FastifyInstance, options: RequestLogOptions): Promise<void> {
  const window = new RequestWindow()
  const every = options.summaryIntervalMs ?? 60_000

  app.addHook('onError', async (request) => { errorLogged.add(request) })
  app.addHook('onResponse', async (request, reply) => {
    const ms = reply.elapsedTime
    const route = request.routeOptions.url ?? request.url.split('?')[0]
    if (route !== undefined && PROBES.has(route)) return
    window.add(reply.statusCode, ms)
    // The route pattern, not the URL: a query string may hold what a user typed.
    const what = `${request.method} ${route} answered ${reply.statusCode} in ${Math.round(ms).toLocaleString('en-GB')} ms`
    const line = { method: request.method, url: route, statusCode: reply.statusCode, ms: Math.round(ms) }
    if (ms > options.slowRequestMs) request.log.warn(line, `slow request: ${what} (SLOW_REQUEST_MS ${options.slowRequestMs})`)
    else if (reply.statusCode >= 500 && !errorLogged.has(request)) request.log.warn(line, `server error: ${what}`)
  })

  app.decorate('logRequestSummary', () => {
    const s = window.take()
    if (s) app.log.info({ requestSummary: s }, `requests in the last ${s.seconds} s: ${s.requests.toLocaleString('en-GB')} (4xx ${s.clientErrors}, 5xx ${s.serverErrors}), p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms`)
  })
  const timer = setInterval(() => app.logRequestSummary(), every)
  timer.unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    app.logRequestSummary()
  })
}

export default fp(requestLog, { name: 'request-log', fastify: '5.x' })
