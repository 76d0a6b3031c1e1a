import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import type { FastifySchemaCompiler } from 'fastify'
import { findUnstorableText } from './domain/storable-text.ts'
import { findTooDeep } from './domain/json-depth.ts'

const common = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false } as const

// Bodies are JSON and must carry the right types: 42 is not the name "42". URL parts are strings,
// so querystrings, params and headers are coerced to their declared types.
export const strict = withFormats(new Ajv({ ...common, coerceTypes: false }))
const coercing = withFormats(new Ajv({ ...common, coerceTypes: 'array' }))

function withFormats (ajv: Ajv): Ajv {
  addFormats.default(ajv)
  // RFC 3339 allows a leap second (23:59:60) that no JavaScript or Postgres timestamp can hold:
  // a date-time must also be an instant Date can represent.
  const rfc3339 = fullFormats['date-time'] as { validate: (s: string) => boolean }
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => rfc3339.validate(s) && Number.isFinite(Date.parse(s)) })
  return ajv
}

/**
 * A body's validator: the schema, and before it, the body may nest at most MAX_JSON_DEPTH levels
 * (so that nothing after, the schema's validator included, recurses deeper) and every string
 * (value or field name) must be text the store can hold. A failure reads like any schema error:
 * the field's path and the problem.
 */
export function compileBody (schema: object): ValidateFunction {
  const validate = strict.compile(schema)
  const check = ((data: unknown) => {
    const tooDeep = findTooDeep(data)
    const bad = tooDeep ?? findUnstorableText(data)
    if (bad) {
      check.errors = [{ instancePath: bad.path, schemaPath: '#', keyword: tooDeep ? 'maxDepth' : 'storableText', params: {}, message: bad.problem } satisfies ErrorObject]
      return false
    }
    const ok = validate(data)
    check.errors = validate.errors
    return ok
  }) as ValidateFunction
  return check
}

/** Fastify's validator compiler: strict (with storable text) for bodies, coercing for the URL and headers. */
export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) =>
  httpPart === 'body' ? compileBody(schema) : coercing.compile(schema)
