import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { UnsupportedMediaTypeError } from '../errors.ts'

/** The body a route takes (route `config.requestBody`); without it, JSON, read whole within the route's bodyLimit. */
export interface RequestBody {
  /** Media types, lowercase (`application/json`). */
  types: readonly string[]
  /** Read as a stream by the route, with no size limit. */
  streamed?: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    requestBody?: RequestBody
  }
}

const JSON_BODY: RequestBody = { types: ['application/json'] }

/**
 * Every request body, before a parser reads it: its media type must be one the route takes (else
 * 415, whatever the type: no route takes text/plain or a form). Runs after the API key is checked
 * (route onRequest hooks) and before anything is read: a refused request changes nothing.
 */
async function bodyDecoding (app: FastifyInstance): Promise<void> {
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.is404 || !carriesBody(request)) return payload
    const body = request.routeOptions.config.requestBody ?? JSON_BODY
    const header = request.headers['content-type']
    const mediaType = request.mediaType
    if (mediaType === undefined || !body.types.includes(mediaType)) {
      throw new UnsupportedMediaTypeError(header === undefined ? '(none)' : `"${mediaType ?? header}"`, body.types.join(' or '))
    }
    return payload
  })
}

/** Whether a request has a body to read (Fastify reads one for these methods only). */
function carriesBody (request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'TRACE') return false
  const { 'content-type': type, 'content-length': length, 'transfer-encoding': chunked } = request.headers
  return type !== undefined || chunked !== undefined || (length !== undefined && length !== '0')
}

export default fp(bodyDecoding, { name: 'body-decoding', fastify: '5.x' })
