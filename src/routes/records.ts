import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Id, VersionNumber } from '../domain/common.ts'
import { KINDS, KIND_SCHEMAS } from '../domain/kinds.ts'
import { ErrorBody, IdMismatchError, graphLimitExceeded, recordNotFound, withErrors } from '../errors.ts'

const Params = Type.Object({ id: Id })
const WriteReply = Type.Object({
  kind: Type.String(),
  id: Type.String(),
  outcome: Type.Union(['created', 'updated', 'unchanged', 'stale', 'deleted', 'not_found'].map((o) => Type.Literal(o))),
  version: Type.Union([Type.Integer(), Type.Null()], { description: 'The record\'s version after the write (for a refused write, the version it carried); null: no write carried one.' }),
  revision: Type.Integer({ description: 'The engine\'s revision of the record, increased by every applied change.' }),
  storedVersion: Type.Optional(Type.Integer()),
  message: Type.Optional(Type.String())
})
const StoredRecord = Type.Object({ version: Type.Optional(Type.Integer()) }, { additionalProperties: true, description: 'The record as last written, with its version when writes carry one.' })

/**
 * PUT /v1/{kind}/:id creates or replaces, GET reads back, DELETE removes (from the index too).
 * A write older than the stored version changes nothing and answers 409 with both versions.
 */
const recordRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const repo = app.services.records

  for (const kind of KINDS) {
    const schema = KIND_SCHEMAS[kind]
    const tags = [kind]

    app.put(`/v1/${kind}/:id`, {
      onRequest: app.requireScope('write'),
      schema: { tags, summary: `Create or replace one of ${kind}`, params: Params, body: schema, response: { 200: WriteReply, 201: WriteReply, 409: WriteReply, '4xx': ErrorBody, '5xx': ErrorBody } }
    }, async (request, reply) => {
      const { id } = request.params
      // The kind's schema is chosen at run time: its body is a record of fields here.
      const body = request.body as Record<string, unknown>
      if (body.id !== undefined && body.id !== id) throw new IdMismatchError(String(body.id), id)
      if (kind === 'projects') {
        // The collaboration graph's bound on an organisation's ties (GRAPH_MAX_ORG_TIES), before anything is written.
        const refused = app.parts.graph.checkWrite(id, body)
        if (refused) throw graphLimitExceeded(['participants', refused.index, 'organizationId'], refused.problem)
      }
      const result = await repo.put(kind, id, body)
      if (result.outcome === 'created' || result.outcome === 'updated') app.pipeline?.relay.wake()
      reply.code(result.outcome === 'created' ? 201 : result.outcome === 'stale' ? 409 : 200)
      return { kind, id, ...result, ...(result.outcome === 'stale' ? { message: staleMessage(result.version, result.storedVersion) } : {}) }
    })

    app.get(`/v1/${kind}/:id`, {
      onRequest: app.requireScope('read'),
      schema: { tags, summary: `Read one of ${kind}`, params: Params, response: withErrors({ 200: StoredRecord }) }
    }, async (request) => {
      const record = await repo.get(kind, request.params.id)
      if (!record) throw recordNotFound(kind, request.params.id)
      return record.version === null ? record.body : { ...record.body, version: record.version }
    })

    app.delete(`/v1/${kind}/:id`, {
      onRequest: app.requireScope('write'),
      schema: {
        tags,
        summary: `Delete one of ${kind}`,
        params: Params,
        querystring: Type.Object({ version: Type.Optional(VersionNumber('Version of the delete (0 to 2^52): applied only if newer than the stored version. Without it the delete applies to whatever is stored.')) }, { additionalProperties: false }),
        response: { 200: WriteReply, 409: WriteReply, '4xx': ErrorBody, '5xx': ErrorBody }
      }
    }, async (request, reply) => {
      const result = await repo.delete(kind, request.params.id, request.query.version)
      if (result.outcome === 'deleted') app.pipeline?.relay.wake()
      if (result.outcome === 'not_found') throw recordNotFound(kind, request.params.id)
      if (result.outcome === 'stale') reply.code(409)
      return { kind, id: request.params.id, ...result, ...(result.outcome === 'stale' ? { message: staleMessage(result.version, result.storedVersion) } : {}) }
    })
  }
}

function staleMessage (version: number | null, stored?: number): string {
  return `ignored: version ${version} is not newer than the stored version ${stored}`
}

export default fp(recordRoutes, { name: 'record-routes', dependencies: ['parts', 'services', 'auth', 'pipeline'], fastify: '5.x' })
