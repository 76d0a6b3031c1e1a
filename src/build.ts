import Fastify, { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import app, { type AppOptions } from './app.ts'
import { validatorCompiler } from './validation.ts'
import { errorBody } from './errors.ts'
import { ID_MAX_LENGTH } from './domain/common.ts'
import type { Socket } from 'node:net'

/** Request limits and validation settings shared by the server and the tests. */
export function serverOptions (logger: FastifyServerOptions['logger']): FastifyServerOptions {
  return {
    logger,
    logController: new RequestLinesAtDebug(),
    bodyLimit: 10 * 1024 * 1024,
    // Start-up runs migrations, refills the embedded index from the store and may load the demo set:
    // work that grows with the data (and with a busy machine), not a hang. Fastify's 10 s default
    // failed a start on a loaded host; a dependency that never answers still fails after 5 minutes.
    pluginTimeout: 300_000,
    // Every path parameter is an id (records, recommendations, candidates, concepts): the router
    // takes as many characters as an id may have, so every valid id is reachable (the default, 100,
    // left ids of 101-128 characters stored but unreachable). Counted after percent-decoding.
    routerOptions: { maxParamLength: ID_MAX_LENGTH },
    // Errors Fastify answers before a route runs (a bad URL, a path parameter too long): the one error shape.
    frameworkErrors: (err, _request, reply) => {
      const status = err.statusCode ?? 400
      const answer = reply as FastifyReply
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        // The router names no parameter (nor should the answer echo the whole path): each is an id.
        const problem = `must NOT have more than ${ID_MAX_LENGTH} characters`
        answer.code(status).send({ ...errorBody(status, err.code, `params.id ${problem}`), problems: [{ field: 'params.id', problem }] })
        return
      }
      answer.code(status).send(errorBody(status, err.code, err.message))
    },
    clientErrorHandler
  }
}

/**
 * Fastify's request lines, one per request at debug: at info its two lines per request made 1,340 of
 * the 1,382 lines of a demo start. At info, plugins/request-log.ts logs a summary a minute, slow
 * requests and 5xx answers instead. A response that failed while being sent keeps its error line.
 */
class RequestLinesAtDebug extends LogController {
  override incomingRequest (): void {}

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply)
    else reply.log.debug({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }
}

/**
 * Errors of the HTTP parser, before Fastify sees a request (headers too large, a timeout, a
 * malformed request): answered on the socket in the one error shape, then the socket is closed.
 */
function clientErrorHandler (err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, code, message] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'HEADERS_TOO_LARGE', 'the request headers are larger than the server accepts']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', 'the request did not arrive in time']
      : [400, 'MALFORMED_REQUEST', `the request is not valid HTTP (${err.code ?? err.message})`]
  const payload = JSON.stringify(errorBody(status, code, message))
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${errorBody(status, code, message).error}\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${payload}`)
  }
  socket.destroy(err)
}

/** Builds a ready-to-listen Fastify instance around the app plugin. */
export async function buildServer (options: AppOptions, logger: FastifyServerOptions['logger'] = false) {
  const server = Fastify(serverOptions(logger)).withTypeProvider<TypeBoxTypeProvider>()
  server.setValidatorCompiler(validatorCompiler)
  await server.register(app, options)
  return server
}
