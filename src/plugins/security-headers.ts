import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/**
 * Headers every response carries unless a more specific plugin sets its own (the console's pages,
 * the API docs): no MIME sniffing, no framing, and for anything a browser might render, a policy
 * that loads nothing. The API answers JSON, which needs none of what the policy forbids.
 */
export const DEFAULT_SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer'
}

/**
 * The one inline style element Swagger UI (the bundle of @fastify/swagger-ui 5.2.6) adds to the
 * page, allowed by its hash rather than by 'unsafe-inline'. Another version may add another: the
 * browser test then reports the violation and the hash chromium computed for it.
 */
const SWAGGER_UI_INLINE_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"

/**
 * The API docs page (/docs, Swagger UI): its scripts, styles and fonts from this origin only,
 * no inline script, the OpenAPI document fetched from here, images from here or inline data (its
 * logo), no framing. Checked in chromium: the page renders with no CSP violation
 * (test/faults/exposure-headers.test.ts).
 */
export const DOCS_SECURITY_HEADERS = {
  'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self' ${SWAGGER_UI_INLINE_STYLE}; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer'
}

/**
 * The default headers on every response. Hooks of encapsulated plugins run after this one, so the
 * console (plugins/console.ts) and the docs (plugins/openapi.ts) replace them with their own.
 */
async function securityHeaders (app: FastifyInstance): Promise<void> {
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(DEFAULT_SECURITY_HEADERS)
  })
}

export default fp(securityHeaders, { name: 'security-headers', fastify: '5.x' })
