import fp from 'fastify-plugin'
import type { Readable } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { importNdjson, type Admit } from '../records/bulk-import.ts'
import { withErrors } from '../errors.ts'

const Summary = Type.Object({
  lines: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  stale: Type.Integer(),
  deleted: Type.Integer(),
  notFound: Type.Integer(),
  failed: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), field: Type.String(), problem: Type.String() })),
  durationMs: Type.Integer()
})

/** POST /v1/bulk: an NDJSON stream of upserts and deletes, streamed with bounded memory. */
const bulkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Its own scope: the NDJSON parser is this route's alone, every other route takes JSON only.
  await app.register(async (scoped) => {
    // The body stays a stream: an import of any size never sits in memory.
    scoped.addContentTypeParser('application/x-ndjson', (_request, payload, done) => done(null, payload))

    scoped.post('/v1/bulk', {
      onRequest: app.requireScope('write'),
      // plugins/body-decoding.ts: this route takes NDJSON only, read as a stream.
      config: { requestBody: { types: ['application/x-ndjson'], streamed: true } },
      schema: {
        tags: ['bulk'],
        summary: 'Import an NDJSON stream of upserts and deletes (Content-Type: application/x-ndjson)',
        description: 'Each line: {"op":"upsert","kind":"organizations","id":"o1","record":{...}} or {"op":"delete","kind":"people","id":"p1","version":7}. Bad lines are reported by line number and skipped; good lines land.',
        response: withErrors({ 200: Summary })
      }
    }, async (request, reply) => {
      // Project lines within the collaboration graph's bound on an organisation's ties (GRAPH_MAX_ORG_TIES).
      const admitProject = app.parts.graph.admission()
      const admit: Admit = (kind, id, record) => {
        const refused = kind === 'projects' ? admitProject(id, record) : null
        return refused ? { field: `record.participants.${refused.index}.organizationId`, problem: refused.problem } : null
      }
      const summary = await importNdjson(app.parts.store.db, request.body as Readable, { maxLineBytes: app.config.BULK_MAX_LINE_BYTES, onCommit: () => app.pipeline?.relay.wake(), repository: app.services.records, admit })
      return reply.send(summary)
    })
  })
}

export default fp(bulkRoutes, { name: 'bulk-routes', dependencies: ['parts', 'services', 'auth', 'pipeline'], fastify: '5.x' })
