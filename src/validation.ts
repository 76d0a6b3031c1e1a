import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const common = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false } as const

// Bodies are JSON and must carry the right types: 42 is not the name "42". URL parts are strings,
// so querystrings, params and headers are coerced to their declared types.
export const strict = addFormats.default(new Ajv({ ...common, coerceTypes: false }))
const coercing = addFormats.default(new Ajv({ ...common, coerceTypes: 'array' }))

/** Fastify's validator compiler: strict for bodies, coercing for the URL and headers. */
export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema)
