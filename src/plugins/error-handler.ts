import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance } from 'fastify'
import { errorBody as body } from '../errors.ts'

/** One problem with the request, named by its field path (e.g. "body.name", "query.limit"). */
export interface Problem { field: string, problem: string }

/**
 * The one error handler. 4xx answers say exactly what is wrong, field by field;
 * 5xx answers never leak internals (the log has them, keyed by request id).
 */
async function errorHandler (app: FastifyInstance): Promise<void> {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      const problems: Problem[] = err.validation.map((v) => ({
        field: fieldOf(err.validationContext ?? 'request', v.instancePath, v.params),
        problem: v.message ?? 'is invalid'
      }))
      return reply.code(400).send({ ...body(400, err.code ?? 'FST_ERR_VALIDATION', problems.map((p) => `${p.field} ${p.problem}`).join('; ')), problems })
    }
    const status = err.statusCode ?? 500
    // A part that is away for now (the search index): say so, and when to try again.
    const retryAfterS = (err as { retryAfterS?: unknown }).retryAfterS
    if (status === 503 && typeof retryAfterS === 'number') {
      request.log.warn({ err }, 'answered 503: a part is unavailable')
      return reply.code(503).header('retry-after', String(retryAfterS)).send(body(503, err.code ?? 'UNAVAILABLE', err.message))
    }
    if (status >= 400 && status < 500) return reply.code(status).send(body(status, err.code ?? `HTTP_${status}`, err.message))
    request.log.error({ err }, 'request failed')
    return reply.code(status).send(body(status, 'INTERNAL_ERROR', `internal error (request ${request.id})`))
  })

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(body(404, 'ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`))
  })
}

function fieldOf (context: string, instancePath: string, params: Record<string, unknown>): string {
  const path = instancePath.split('/').filter(Boolean).join('.')
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined
  const extra = typeof params.additionalProperty === 'string' ? params.additionalProperty : undefined
  return [context, path, missing ?? extra].filter(Boolean).join('.')
}

export default fp(errorHandler, { name: 'error-handler', fastify: '5.x' })
