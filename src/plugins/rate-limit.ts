import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { FreeTextBusyError, RateLimitedError } from '../errors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * preHandler of routes that run the model for a request (free text): at most
     * FREE_TEXT_CONCURRENCY of them in flight per client, one more is a 429.
     */
    freeTextSlot (request: FastifyRequest, reply: FastifyReply): Promise<void>
  }
}

/** How long a request waits for the rate limiter's Redis before it is served without the limit. */
const RATE_LIMIT_REDIS_TIMEOUT_MS = 300

/**
 * Limits per client (its API key, else its address, see clientOf): RATE_LIMIT_MAX requests per
 * RATE_LIMIT_WINDOW_MS (429 with Retry-After; counted in Redis when REDIS_URL is set, so that every
 * API process shares them), and a bounded number of free-text requests in flight, so that one
 * client cannot hold the model for the others. Counted before the key is checked: a flood of bad
 * keys is limited too.
 */
async function limits (app: FastifyInstance): Promise<void> {
  const config = app.config
  if (config.RATE_LIMIT_MAX > 0) {
    // Every request but the probes asks Redis first: commandTimeout bounds the wait for a Redis that
    // accepts connections and never answers (stopped, hung), which skipOnError then serves unlimited.
    const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { connectTimeout: 2000, commandTimeout: RATE_LIMIT_REDIS_TIMEOUT_MS, maxRetriesPerRequest: 1, lazyConnect: false }) : undefined
    redis?.on('error', () => {})
    if (redis) app.addHook('onClose', async () => { await redis.quit().catch(() => redis.disconnect()) })
    await app.register(rateLimit, {
      // One hook for every request, before the routes' own onRequest hooks (the key check).
      global: false,
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      keyGenerator: (request) => app.clientOf(request),
      // Probes of load balancers and orchestrators are never limited.
      allowList: (request) => request.url === '/health' || request.url.startsWith('/ready'),
      // If Redis is away (or does not answer within RATE_LIMIT_REDIS_TIMEOUT_MS), requests are served rather than refused.
      skipOnError: true,
      ...(redis ? { redis, nameSpace: `${config.QUEUE_NAME}-rate-limit:` } : {}),
      errorResponseBuilder: (_request, context) => new RateLimitedError(context.max, Math.round(config.RATE_LIMIT_WINDOW_MS / 1000), context.after)
    })
    app.addHook('onRequest', app.rateLimit())
  }

  const inFlight = new Map<string, number>()
  app.decorate('freeTextSlot', async (request: FastifyRequest, reply: FastifyReply) => {
    const client = app.clientOf(request)
    const n = inFlight.get(client) ?? 0
    if (n >= config.FREE_TEXT_CONCURRENCY) {
      reply.header('retry-after', '1')
      throw new FreeTextBusyError(config.FREE_TEXT_CONCURRENCY)
    }
    inFlight.set(client, n + 1)
    let released = false
    const release = () => {
      if (released) return
      released = true
      const left = (inFlight.get(client) ?? 1) - 1
      if (left > 0) inFlight.set(client, left)
      else inFlight.delete(client)
    }
    reply.raw.once('close', release)
    reply.raw.once('finish', release)
  })
}

export default fp(limits, { name: 'limits', dependencies: ['auth'], fastify: '5.x' })
