import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { Id } from '../domain/common.ts'
import { KINDS, KIND_SCHEMAS, type Kind } from '../domain/kinds.ts'
import { RecordRepository } from '../records/record-repository.ts'

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
const Problem = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() }, { additionalProperties: true })

/**
 * PUT /v1/{kind}/:id creates or replaces, GET reads back, DELETE removes (from the index too).
 * A write older than the stored version changes nothing and answers 409 with both versions.
 */
async function recordRoutes (app: FastifyInstance): Promise<void> {
  const repo = new RecordRepository(app.parts.store.db)

  for (const kind of KINDS) {
    const schema = KIND_SCHEMAS[kind]
    const tags = [kind]

    app.put<{ Params: { id: string }, Body: Record<string, unknown> }>(`/v1/${kind}/:id`, {
      onRequest: app.requireScope('write'),
      schema: { tags, summary: `Create or replace one of ${kind}`, params: Params, body: schema, response: { 200: WriteReply, 201: WriteReply, 409: WriteReply, '4xx': Problem } }
    }, async (request, reply) => {
      const { id } = request.params
      if (request.body.id !== undefined && request.body.id !== id) {
        throw Object.assign(new Error(`body.id "${String(request.body.id)}" differs from the id in the path "${id}"`), { statusCode: 400 })
      }
      const result = await repo.put(kind, id, request.body)
      if (result.outcome === 'created' || result.outcome === 'updated') app.pipeline?.relay.wake()
      reply.code(result.outcome === 'created' ? 201 : result.outcome === 'stale' ? 409 : 200)
      return { kind, id, ...result, ...(result.outcome === 'stale' ? { message: staleMessage(result.version, result.storedVersion) } : {}) }
    })

    app.get<{ Params: { id: string } }>(`/v1/${kind}/:id`, {
      onRequest: app.requireScope('read'),
      schema: { tags, summary: `Read one of ${kind}`, params: Params }
    }, async (request) => {
      const record = await repo.get(kind, request.params.id)
      if (!record) throw notFound(kind, request.params.id)
      return record.version === null ? record.body : { ...record.body, version: record.version }
    })

    app.delete<{ Params: { id: string }, Querystring: { version?: number } }>(`/v1/${kind}/:id`, {
      onRequest: app.requireScope('write'),
      schema: {
        tags,
        summary: `Delete one of ${kind}`,
        params: Params,
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Version of the delete: applied only if newer than the stored version. Without it the delete applies to whatever is stored.' })) }, { additionalProperties: false }),
        response: { 200: WriteReply, 409: WriteReply, '4xx': Problem }
      }
    }, async (request, reply) => {
      const result = await repo.delete(kind, request.params.id, request.query.version)
      if (result.outcome === 'deleted') app.pipeline?.relay.wake()
      if (result.outcome === 'not_found') throw notFound(kind, request.params.id)
      if (result.outcome === 'stale') reply.code(409)
      return { kind, id: request.params.id, ...result, ...(result.outcome === 'stale' ? { message: staleMessage(result.version, result.storedVersion) } : {}) }
    })
  }
}

function notFound (kind: Kind, id: string): Error {
  return Object.assign(new Error(`${kind}/${id} does not exist`), { statusCode: 404 })
}

function staleMessage (version: number | null, stored?: number): string {
  return `ignored: version ${version} is not newer than the stored version ${stored}`
}

export default fp(recordRoutes, { name: 'record-routes', dependencies: ['parts', 'auth', 'pipeline'], fastify: '5.x' })
