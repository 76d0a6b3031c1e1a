import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { withErrors } from '../errors.ts'
import { modelStatusOf } from '../embedding/model-state.ts'
import { redactSecrets } from '../redact-secrets.ts'
import { ModelStateSchema } from './health.ts'

const KindStatus = Type.Object({
  kind: Type.String(),
  rows: Type.Integer({ description: 'Live records in the store.' }),
  documents: Type.Union([Type.Integer(), Type.Null()], { description: 'Documents in the search index (null: index unreachable).' }),
  pendingOutbox: Type.Integer({ description: 'Accepted writes not yet indexed.' }),
  inSync: Type.Boolean()
})

/** GET /v1/status (admin): whether the index is in sync with the store, at a glance. */
const statusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/v1/status', {
    onRequest: app.requireScope('admin'),
    schema: {
      tags: ['operations'],
      summary: 'Rows, indexed documents and pending work per kind; queue depth, failed jobs, model, collaboration graph',
      response: withErrors({
        200: Type.Object({
          kinds: Type.Array(KindStatus),
          queue: Type.Object({
            adapter: Type.String(),
            available: Type.Boolean({ description: 'false: the queue (Redis) did not answer within 1 s, or failed; the status answers all the same, its counts null.' }),
            reason: Type.Union([Type.String(), Type.Null()], { description: 'Why the queue is unavailable (null when it answered).' }),
            waiting: Type.Union([Type.Integer(), Type.Null()]),
            active: Type.Union([Type.Integer(), Type.Null()]),
            delayed: Type.Union([Type.Integer(), Type.Null()]),
            failed: Type.Union([Type.Integer(), Type.Null()])
          }),
          failedJobs: Type.Array(Type.Object({ name: Type.String(), reason: Type.String(), attempts: Type.Integer(), failedAt: Type.String() }), {
            description: 'Jobs that exhausted their attempts and whose work is still not done (an indexing job whose records were indexed since, by a later job, is no longer listed); newest first. Empty while the queue is unavailable (`queue.available: false`): not known then.'
          }),
          failing: Type.Object({
            records: Type.Integer({ description: 'Accepted writes not yet indexed whose last attempt failed.' }),
            recent: Type.Array(Type.Object({ kind: Type.String(), id: Type.String(), attempts: Type.Integer(), error: Type.String() }))
          }, { description: 'What is failing now: writes whose indexing failed and has not succeeded since.' }),
          searchIndex: Type.String(),
          store: Type.String(),
          model: Type.Union([Type.String(), Type.Null()]),
          semanticMatching: Type.Boolean({ description: 'Whether free text is compared on meaning now: the same as GET /ready (modelState.state available or slow).' }),
          modelState: Type.Object({
            ...ModelStateSchema.properties,
            detail: Type.Union([Type.String(), Type.Null()], { description: 'For the admin: the model process, the deadline missed, the error.' })
          }),
          vectorCache: Type.Object({
            memoryHits: Type.Integer(),
            storeReads: Type.Integer(),
            vectorsInMemory: Type.Integer(),
            megabytesInMemory: Type.Number(),
            warmup: Type.Object({
              state: Type.Union([Type.Literal('off'), Type.Literal('waiting'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
              vectors: Type.Integer(),
              records: Type.Integer(),
              ms: Type.Integer()
            }, { description: 'Filling the cache from the store at start (VECTOR_CACHE_WARM): waiting for the model, running, done (budget reached or every record read), or failed.' })
          }, { description: 'Vector lookups for ranking since start, answered from memory or read from the store.' }),
          collaborationGraph: Type.Object({
            state: Type.Union([Type.Literal('loading'), Type.Literal('ready'), Type.Literal('off')], { description: 'ready: partner matches use it; off: they go on without collaboration signals (reason says why).' }),
            reason: Type.Union([Type.String(), Type.Null()]),
            projects: Type.Integer(),
            organisations: Type.Integer(),
            participations: Type.Integer(),
            megabytes: Type.Number({ description: 'What the history takes in memory, as accounted.' }),
            budgetMegabytes: Type.Number({ description: 'GRAPH_MEMORY_MB.' }),
            maxOrgTies: Type.Integer({ description: 'GRAPH_MAX_ORG_TIES: a project write that would give an organisation more ties is refused.' })
          }, { description: 'The collaboration history this process holds in memory for partner ranking.' })
        })
      })
    }
  }, async () => {
    const { store, searchIndex, embedder, vectors, graph } = app.parts
    const state = modelStatusOf(embedder)
    return {
      ...await app.services.syncStatus.read(),
      searchIndex: searchIndex.adapter,
      store: store.adapter,
      model: embedder.model,
      semanticMatching: state.semanticMatching,
      // The route is for admins only: the detail (process id, error) is theirs to read.
      modelState: { state: state.state, reason: state.reason, since: state.since, detail: state.detail === null ? null : redactSecrets(state.detail) },
      vectorCache: { ...vectors.usage(), warmup: { ...app.vectorWarmup } },
      collaborationGraph: graph.usage()
    }
  })
}

export default fp(statusRoutes, { name: 'status-routes', dependencies: ['parts', 'services', 'auth'], fastify: '5.x' })
