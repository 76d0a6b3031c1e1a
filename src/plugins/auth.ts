import fp from 'fastify-plugin'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isLoopback } from '../../config/load.ts'
import { ApiKeyInvalidError, ApiKeyMissingError, ScopeError } from '../errors.ts'

export type Scope = 'read' | 'write' | 'admin'
const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 }

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook (before the body is read) that demands an API key of at least `scope` (401 without a key, 403 with a weaker one). */
    requireScope (scope: Scope): (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** The scope a request's key grants (every scope without API_KEYS), or null: no key or an unknown one. */
    scopeOf (request: FastifyRequest): Scope | null
    /**
     * Who is asking, for limits: a digest of a valid API key (never the key), else the client's
     * address, so that a flood of made-up keys counts as one client.
     */
    clientOf (request: FastifyRequest): string
  }
}

/** Parses API_KEYS ("key:scope,key:scope"); the schema has already checked its shape. */
export function parseApiKeys (value: string | undefined): Map<string, Scope> {
  const keys = new Map<string, Scope>()
  for (const pair of (value ?? '').split(',').filter(Boolean)) {
    const at = pair.lastIndexOf(':')
    keys.set(pair.slice(0, at), pair.slice(at + 1) as Scope)
  }
  return keys
}

/** API keys with scopes, from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
async function auth (app: FastifyInstance): Promise<void> {
  const keys = parseApiKeys(app.config.API_KEYS)
  const open = keys.size === 0
  if (open) {
    if (!isLoopback(app.config.HOST)) throw new Error('API_KEYS must be set when HOST is not a loopback address')
    app.log.warn('API_KEYS is not set: every request has every scope (loopback only)')
  }
  const entries = [...keys].map(([key, scope]) => ({ key: Buffer.from(key), scope }))

  const matchKey = (presented: string) => {
    const candidate = Buffer.from(presented)
    return entries.find((e) => e.key.length === candidate.length && timingSafeEqual(e.key, candidate))
  }
  app.decorate('scopeOf', (request: FastifyRequest): Scope | null => {
    if (open) return 'admin'
    const presented = keyOf(request)
    return presented ? matchKey(presented)?.scope ?? null : null
  })

  const digests = new Map(entries.map((e) => [e.key.toString(), `key:${createHash('sha256').update(e.key).digest('base64url').slice(0, 16)}`]))
  app.decorate('clientOf', (request: FastifyRequest): string => {
    const presented = keyOf(request)
    const known = presented && !open ? matchKey(presented) : undefined
    return known ? digests.get(known.key.toString()) as string : `ip:${request.ip}`
  })

  app.decorate('requireScope', (scope: Scope) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (open) return
    const presented = keyOf(request)
    if (!presented) {
      reply.header('www-authenticate', 'Bearer')
      throw new ApiKeyMissingError()
    }
    const match = matchKey(presented)
    if (!match) throw new ApiKeyInvalidError()
    if (RANK[match.scope] < RANK[scope]) {
      throw new ScopeError(match.scope, scope)
    }
  })
}

function keyOf (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are `Bearer`.
  const bearer = header ? /^bearer[ \t]+(.*)$/i.exec(header) : null
  if (bearer) return bearer[1]?.trim() || undefined
  const key = request.headers['x-api-key']
  return typeof key === 'string' && key ? key : undefined
}

export default fp(auth, { name: 'auth', dependencies: ['parts'], fastify: '5.x' })
