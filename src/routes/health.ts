import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { redactSecrets } from '../redact-secrets.ts'
import { modelStatusOf } from '../embedding/model-state.ts'

const PartSchema = Type.Object({
  part: Type.String(),
  status: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('off'), Type.Literal('loading')]),
  adapter: Type.Optional(Type.String({ description: 'With an admin key (or without API_KEYS) only.' })),
  latencyMs: Type.Optional(Type.Number({ description: 'With an admin key (or without API_KEYS) only.' })),
  detail: Type.Optional(Type.String({ description: 'With an admin key (or without API_KEYS) only; credentials are always redacted.' }))
})

/** The model's state as any caller may see it: what, since when, and why in words (no internals). */
export const ModelStateSchema = Type.Object({
  state: Type.Union(['loading', 'available', 'slow', 'not-answering', 'gone', 'off'].map((s) => Type.Literal(s)), {
    description: 'available: free text is compared on meaning; slow: it is, slower than half of EMBEDDING_TIMEOUT_MS; not-answering: a call missed its deadline (a frozen or overloaded model process), free text is matched on its words and calls fail at once until the process answers again; gone: its process exited and a new one is being started; loading; off: no model.'
  }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'Why it is not available, in words (null when available).' }),
  since: Type.String({ format: 'date-time' })
})

const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('unavailable')]),
  semanticMatching: Type.Boolean({ description: 'Whether free text is compared on meaning now (modelState.state available or slow); stored profiles are matched on their stored vectors whatever the model does.' }),
  modelState: ModelStateSchema,
  collaborationSignals: Type.Boolean({ description: 'Whether partner matches use the collaboration history (false: the history could not be read or is over GRAPH_MEMORY_MB; GET /v1/status says why). Without it the service is degraded, not unavailable.' }),
  parts: Type.Array(PartSchema),
  catchUp: Type.Object({
    refill: Type.Union([Type.Null(), Type.Object({
      state: Type.Union([Type.Literal('waiting'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
      indexed: Type.Integer(),
      total: Type.Integer()
    })], { description: 'The embedded index refilled from the store after a start (null with Elasticsearch or without a worker here): search answers over what is indexed so far.' }),
    pendingOutbox: Type.Union([Type.Integer(), Type.Null()], { description: 'Accepted writes not yet indexed (null: the store did not answer).' })
  })
})

/**
 * GET /health: the process is alive (no dependency is touched).
 * GET /ready: each part in use, up or down. 503 when the store, queue or index is down; a model that
 * is missing, slow, not answering or gone only degrades (free text falls back to its words), and so
 * does a collaboration history that is not held (partner matching goes on without its signals).
 * `semanticMatching` and `modelState` come from the embedder's one state (embedding/model-state.ts),
 * as in GET /v1/status and the responses. Adapters, latencies and details (addresses, paths, process
 * ids, error texts) only with an admin key, and never a credential.
 */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    schema: { tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok'), uptimeS: Type.Number() }) } }
  }, async () => ({ status: 'ok' as const, uptimeS: Math.round(process.uptime()) }))

  app.get('/ready', {
    schema: { tags: ['operations'], response: { 200: ReadySchema, 503: ReadySchema } }
  }, async (request, reply) => {
    const { store, queue, searchIndex, embedder } = app.parts
    const [parts, pending] = await Promise.all([
      Promise.all([store.health(), queue.health(), searchIndex.health(), embedder.health()]),
      store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('done_at', 'is', null).executeTakeFirst()
        .then((r) => Number(r?.n ?? 0), () => null)
    ])
    const refill = app.pipeline?.refill ?? null
    const required = parts.filter((p) => p.part !== 'embedder')
    const collaborationSignals = app.parts.graph.usage().state === 'ready'
    // Read after the parts' checks: the model's check may just have found it not answering.
    const model = modelStatusOf(embedder)
    // While the index is refilled after a start, search sees part of the records: degraded; so
    // without the collaboration history (partner matches go on without its signals), and with a model
    // that is anything but available (a slow one may miss its deadline next).
    const status: 'ready' | 'degraded' | 'unavailable' = required.some((p) => p.status !== 'up')
      ? 'unavailable'
      : parts.every((p) => p.status === 'up') && model.state === 'available' && (!refill || refill.state === 'done') && collaborationSignals ? 'ready' : 'degraded'
    reply.code(status === 'unavailable' ? 503 : 200)
    const admin = app.scopeOf(request) === 'admin'
    return {
      status,
      semanticMatching: model.semanticMatching,
      modelState: { state: model.state, reason: model.reason, since: model.since },
      collaborationSignals,
      parts: parts.map((p) => admin
        ? { ...p, ...(p.detail === undefined ? {} : { detail: redactSecrets(p.detail) }) }
        : { part: p.part, status: p.status }),
      catchUp: { refill: refill ? { state: refill.state, indexed: refill.indexed, total: refill.total } : null, pendingOutbox: pending }
    }
  })
}

export default fp(healthRoutes, { name: 'health-routes', dependencies: ['parts', 'auth', 'pipeline'], fastify: '5.x' })
