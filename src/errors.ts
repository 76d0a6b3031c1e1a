import { STATUS_CODES } from 'node:http'
import createError from '@fastify/error'
import { Type, type TSchema } from '@sinclair/typebox'

/**
 * Every error the service answers with on purpose, one code each. The error handler
 * (plugins/error-handler.ts) sends `{ statusCode, code, error, message }` for all of them, and for
 * Fastify's own coded errors (FST_ERR_*) the same way; docs/api.md lists the codes.
 */

/** A request whose fields are each valid but do not go together (the message names them). */
export const InvalidRequestError = createError<[string]>('INVALID_REQUEST', '%s', 400)
/** A page cursor that this service did not issue. */
export const CursorInvalidError = createError('CURSOR_INVALID', 'cursor is not a cursor this service issued', 400)
/** A page cursor issued for another request. */
export const CursorMismatchError = createError('CURSOR_MISMATCH', 'cursor belongs to a different request: repeat the same request with it', 400)
/** A write whose body names another id than its path. */
export const IdMismatchError = createError<[string, string]>('ID_MISMATCH', 'body.id "%s" differs from the id in the path "%s"', 400)

export const ApiKeyMissingError = createError('API_KEY_MISSING', 'an API key is required (Authorization: Bearer <key> or X-API-Key)', 401)
export const ApiKeyInvalidError = createError('API_KEY_INVALID', 'the API key is not valid', 401)
export const ScopeError = createError<[string, string]>('SCOPE_INSUFFICIENT', 'this API key has scope "%s"; "%s" is needed', 403)

/** A stored record a request names that is not there (`kind/id does not exist`, with a prefix saying where). */
export const RecordNotFoundError = createError<[string, string, string]>('RECORD_NOT_FOUND', '%s%s/%s does not exist', 404)
export const ConceptNotFoundError = createError<[string]>('CONCEPT_NOT_FOUND', 'no concept %s in the termbase', 404)
export const RankerModelNotFoundError = createError<[number]>('RANKER_MODEL_NOT_FOUND', 'no ranking model with version %s', 404)

export const TrainingInProgressError = createError('TRAINING_IN_PROGRESS', 'a training run is already in progress in this service', 409)
/** A body in a media type the route does not take (plugins/body-decoding.ts): the type sent, the types taken. */
export const UnsupportedMediaTypeError = createError<[string, string]>('UNSUPPORTED_MEDIA_TYPE', 'Content-Type %s is not taken here: this route takes %s', 415)
/** A body in a charset other than UTF-8 and the Latin-1 family (plugins/body-decoding.ts). */
export const UnsupportedCharsetError = createError<[string]>('UNSUPPORTED_CHARSET', 'charset "%s" is not supported: send utf-8 (or iso-8859-1 / windows-1252)', 415)
/** A body in a content coding the service does not decode (plugins/body-decoding.ts). */
export const UnsupportedContentEncodingError = createError<[string]>('UNSUPPORTED_CONTENT_ENCODING', 'Content-Encoding "%s" is not supported: send gzip, deflate, br or none', 415)
/** A body that does not decode as its Content-Encoding says (plugins/body-decoding.ts). */
export const ContentEncodingInvalidError = createError<[string, string]>('CONTENT_ENCODING_INVALID', 'the body is not valid %s (its Content-Encoding): %s', 400)
/** A compressed body that decodes past what the route takes (plugins/body-decoding.ts): a compression bomb is refused, never expanded. */
export const DecodedBodyTooLargeError = createError<[string]>('DECODED_BODY_TOO_LARGE', '%s', 413)
export const RateLimitedError = createError<[number, number, string]>('RATE_LIMITED', 'rate limit exceeded: %s requests per %s s for this client; retry after %s', 429)
export const ConsoleFileNotFoundError = createError<[string]>('CONSOLE_FILE_NOT_FOUND', 'no %s in the console bundle', 404)
export const ConsoleBuildError = createError('CONSOLE_BUILD_FAILED', 'the console bundle did not build (the log has the reason)', 500)
export const FreeTextBusyError = createError<[number]>('FREE_TEXT_BUSY', 'too many free-text requests in flight for this client (%s): retry after 1 s', 429)

/** A project write that would take an organisation past GRAPH_MAX_ORG_TIES (match/collaboration-graph.ts checkWrite). */
export const GraphLimitExceededError = createError<[string]>('GRAPH_LIMIT_EXCEEDED', '%s', 400)

/**
 * A write refused by one of the collaboration graph's limits, as a 400 whose `problems` name the
 * field (`path`: its JSON path in the body, e.g. ["participants", 3, "organizationId"]), the way a
 * validation error does; nothing is written.
 */
export function graphLimitExceeded (path: ReadonlyArray<string | number>, problem: string): Error {
  const field = ['body', ...path].join('.')
  return Object.assign(new GraphLimitExceededError(`${field} ${problem}`), {
    validation: [{ instancePath: `/${path.join('/')}`, message: problem, params: {} }],
    validationContext: 'body'
  })
}

/** `kind/id does not exist`, as a 404 (where: a prefix such as "querystring.moreLikeThis: "). */
export function recordNotFound (kind: string, id: string, where = ''): Error {
  return new RecordNotFoundError(where, kind, id)
}

/** The one shape of every error answer, whatever its status. */
export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ description: 'Stable machine-readable code, e.g. RECORD_NOT_FOUND, FST_ERR_VALIDATION.' }),
  error: Type.String({ description: 'The HTTP status text.' }),
  message: Type.String({ description: 'What is wrong, for a person.' }),
  problems: Type.Optional(Type.Array(Type.Object({ field: Type.String(), problem: Type.String() }), { description: 'Validation errors: each field with its problem.' }))
}, { description: 'An error: 4xx say what is wrong with the request, 5xx never show internals (the log has them by request id).' })

/** A route's response schemas with the error shape for 4xx and 5xx added. */
export function withErrors<R extends Record<string, TSchema>> (responses: R): R & { '4xx': typeof ErrorBody, '5xx': typeof ErrorBody } {
  return { ...responses, '4xx': ErrorBody, '5xx': ErrorBody }
}

/** An error answer in the ErrorBody shape. */
export function errorBody (statusCode: number, code: string, message: string): { statusCode: number, code: string, error: string, message: string } {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? (statusCode >= 500 ? 'Server Error' : 'Client Error'), message }
}
