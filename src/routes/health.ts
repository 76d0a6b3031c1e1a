import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { redactSecrets } from '../redact-secrets.ts'

const PartSchema = Type.Object({
  part: Type.String(),
  status: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('off'), Type.Literal('loading')]),
  adapter: Type.Optional(Type.String({ description: 'With an admin key (or without API_KEYS) only.' })),
  latencyMs: Type.Optional(Type.Number({ description: 'With an admin key (or without API_KEYS) only.' })),
  detail: Type.Optional(Type.String({ description: 'With an admin key (or without API_KEYS) only; credentials are always redacted.' }))
})

const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('unavailable')]),
  semanticMatching: Type.Boolean(),
  parts: Type.Array(PartSchema)
})

/**
 * GET /health: the process is alive (no dependency is touched).
 * GET /ready: each part in use, up or down. 503 when the store, queue or index is down; a missing
 * model only degrades (matching falls back to lexical). Adapters, latencies and details (addresses,
 * paths, process ids) only with an admin key, and never a credential.
 */
async function healthRoutes (app: FastifyInstance): Promise<void> {
  app.get('/health', {
    schema: { tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok'), uptimeS: Type.Number() }) } }
  }, async () => ({ status: 'ok' as const, uptimeS: Math.round(process.uptime()) }))

  app.get('/ready', {
    schema: { tags: ['operations'], response: { 200: ReadySchema, 503: ReadySchema } }
  }, async (request, reply) => {
    const { store, queue, searchIndex, embedder } = app.parts
    const parts = await Promise.all([store.health(), queue.health(), searchIndex.health(), embedder.health()])
    const required = parts.filter((p) => p.part !== 'embedder')
    const status = required.some((p) => p.status !== 'up')
      ? 'unavailable'
      : parts.every((p) => p.status === 'up') ? 'ready' : 'degraded'
    reply.code(status === 'unavailable' ? 503 : 200)
    const admin = app.scopeOf(request) === 'admin'
    return {
      status,
      semanticMatching: embedder.available,
      parts: parts.map((p) => admin
        ? { ...p, ...(p.detail === undefined ? {} : { detail: redactSecrets(p.detail) }) }
        : { part: p.part, status: p.status })
    }
  })
}

export default fp(healthRoutes, { name: 'health-routes', dependencies: ['parts', 'auth'], fastify: '5.x' })
