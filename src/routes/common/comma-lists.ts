import type { FastifyRequest } from 'fastify'

/**
 * A preValidation hook that accepts `name=a,b` as well as `name=a&name=b` for the given query
 * parameters (their schemas are arrays): the comma form is split before validation.
 */
export function commaLists (...names: readonly string[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const query = request.query as Record<string, unknown>
    for (const name of names) {
      const value = query[name]
      if (typeof value === 'string') query[name] = value.split(',').filter(Boolean)
    }
  }
}
