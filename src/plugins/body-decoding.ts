import fp from 'fastify-plugin'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  ContentEncodingInvalidError, DecodedBodyTooLargeError, UnsupportedCharsetError, UnsupportedContentEncodingError,
  UnsupportedMediaTypeError
} from '../errors.ts'
import { UTF8_LABELS, WINDOWS_1252_LABELS, windows1252ToUtf8 } from '../windows-1252.ts'

/** The body a route takes (route `config.requestBody`); without it, JSON, read whole within the route's bodyLimit. */
export interface RequestBody {
  /** Media types, lowercase (`application/json`). */
  types: readonly string[]
  /** Read as a stream by the route, with no size limit: a compressed body is then bounded by MAX_EXPANSION. */
  streamed?: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    requestBody?: RequestBody
  }
}

const JSON_BODY: RequestBody = { types: ['application/json'] }

/**
 * A streamed body (a bulk import) has no size limit, so a compressed one may decode to at most this
 * many times the bytes received, plus the server's bodyLimit: ordinary NDJSON compresses 5 to 20
 * times, a compression bomb about a thousand.
 */
export const MAX_EXPANSION = 100

/** The content codings decoded, by their names in Content-Encoding. */
const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress
}

/**
 * Every request body, before a parser reads it: its media type must be one the route takes (else
 * 415, whatever the type: no route takes text/plain or a form), its charset UTF-8 or the Latin-1
 * family (decoded to UTF-8; else 415), its Content-Encoding none or gzip, deflate, br (decoded as
 * it streams; else 415). Limits apply to the decoded bytes, counted as they come, so that a
 * compression bomb is refused (413) once it passes them and never expanded whole. Runs after the
 * API key is checked (route onRequest hooks) and before anything is read: a refused request
 * changes nothing.
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
    const charset = charsetOf(header as string)
    let latin1 = false
    if (charset !== undefined && !UTF8_LABELS.has(charset)) {
      if (!WINDOWS_1252_LABELS.has(charset)) throw new UnsupportedCharsetError(charset)
      latin1 = true
    }
    const codings = codingsOf(request.headers['content-encoding'])
    if (codings.length === 0 && !latin1) return payload

    const what = codings.length > 0 ? `(Content-Encoding: ${codings.join(', ')})` : `(charset ${charset})`
    const tooLarge = decodedLimit(body, request.routeOptions.bodyLimit, what)
    // Codings are listed in the order they were applied: undone last first.
    const stages = [...codings].reverse().map((coding) => decoderStage(coding))
    if (latin1) stages.push({ stream: new Transform({ transform: (chunk: Buffer, _enc, done) => done(null, windows1252ToUtf8(chunk)) }) })
    return decodeStream(payload, stages, tooLarge)
  })
}

/**
 * What the decoded bytes may come to: the route's body limit for a body read whole, and for a
 * streamed one MAX_EXPANSION times the bytes received plus that limit. The error, or null.
 */
function decodedLimit (body: RequestBody, bodyLimit: number, what: string): (received: number, decoded: number) => Error | null {
  if (body.streamed) {
    return (received, decoded) => decoded > MAX_EXPANSION * received + bodyLimit
      ? new DecodedBodyTooLargeError(`the body decodes to more than ${MAX_EXPANSION} times the ${received} bytes received ${what}: refused as a compression bomb`)
      : null
  }
  return (_received, decoded) => decoded > bodyLimit
    ? new DecodedBodyTooLargeError(`the body decodes ${what} to more than ${bodyLimit} bytes, the most this route takes`)
    : null
}

/** Whether a request has a body to read (Fastify reads one for these methods only). */
function carriesBody (request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'TRACE') return false
  const { 'content-type': type, 'content-length': length, 'transfer-encoding': chunked } = request.headers
  return type !== undefined || chunked !== undefined || (length !== undefined && length !== '0')
}

/** The charset parameter of a Content-Type, lowercase, or undefined. */
function charsetOf (header: string): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(header)
  return match ? (match[1] ?? match[2] ?? '').trim().toLowerCase() : undefined
}

/** The codings of a Content-Encoding header, in the order applied; 415 for one not decoded. */
function codingsOf (header: string | string[] | undefined): string[] {
  if (header === undefined) return []
  const codings = (Array.isArray(header) ? header.join(',') : header).split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity')
  const unknown = codings.find((c) => !(c in DECODERS))
  if (unknown !== undefined) throw new UnsupportedContentEncodingError(unknown)
  return codings
}

/** One step of decoding, and what its failure means for the client (by default, the failure itself). */
interface Stage { stream: Transform, failure?: (err: Error) => Error }

/** A decoder whose failure reads as the body's fault (400), naming the coding. */
function decoderStage (coding: string): Stage {
  return { stream: (DECODERS[coding] as () => Transform)(), failure: (err) => new ContentEncodingInvalidError(coding, err.message) }
}

/**
 * The payload through the stages, as one stream that counts the bytes received (as
 * `receivedEncodedLength`, which Fastify compares with Content-Length) and the bytes decoded, and
 * fails with `tooLarge`'s error as soon as it gives one. On any failure every stage is destroyed
 * and the rest of the request is read and dropped, so that nothing more is decoded.
 */
function decodeStream (payload: Readable, stages: Stage[], tooLarge: (received: number, decoded: number) => Error | null): Readable {
  let received = 0
  let decoded = 0
  const counter = new Transform({
    transform (chunk: Buffer, _enc, done: TransformCallback) {
      received += chunk.length
      done(null, chunk)
    }
  })
  const out = new Transform({
    transform (chunk: Buffer, _enc, done: TransformCallback) {
      decoded += chunk.length
      const refused = tooLarge(received, decoded)
      if (refused) return done(refused)
      done(null, chunk)
    }
  })
  Object.defineProperty(out, 'receivedEncodedLength', { get: () => received })
  const chain: Stage[] = [{ stream: counter }, ...stages, { stream: out }]
  let failed = false
  const fail = (err: Error) => {
    if (failed) return
    failed = true
    payload.unpipe(counter)
    payload.resume()
    for (const { stream } of chain) if (stream !== out) stream.destroy()
    if (!out.destroyed) out.destroy(err)
  }
  payload.on('error', fail)
  payload.pipe(counter)
  chain.forEach(({ stream, failure }, i) => {
    stream.on('error', (err: Error) => fail(failure ? failure(err) : err))
    const next = chain[i + 1]
    if (next) stream.pipe(next.stream)
  })
  return out
}

export default fp(bodyDecoding, { name: 'body-decoding', fastify: '5.x' })
