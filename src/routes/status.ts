import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { KINDS } from '../domain/kinds.ts'

const KindStatus = Type.Object({
  kind: Type.String(),
  rows: Type.Integer({ description: 'Live records in the store.' }),
  documents: Type.Union([Type.Integer(), Type.Null()], { description: 'Documents in the search index (null: index unreachable).' }),
  pendingOutbox: Type.Integer({ description: 'Accepted writes not yet indexed.' }),
  inSync: Type.Boolean()
})

/** GET /v1/status (admin): whether the index is in sync with the store, at a glance. */
async function statusRoutes (app: FastifyInstance): Promise<void> {
  app.get('/v1/status', {
    preHandler: app.requireScope('admin'),
    schema: {
      tags: ['operations'],
      summary: 'Rows, indexed documents and pending work per kind; queue depth, failed jobs, model',
      response: {
        200: Type.Object({
          kinds: Type.Array(KindStatus),
          queue: Type.Object({ adapter: Type.String(), waiting: Type.Integer(), active: Type.Integer(), delayed: Type.Integer(), failed: Type.Integer() }),
          failedJobs: Type.Array(Type.Object({ name: Type.String(), reason: Type.String(), attempts: Type.Integer(), failedAt: Type.String() })),
          searchIndex: Type.String(),
          store: Type.String(),
          model: Type.Union([Type.String(), Type.Null()]),
          semanticMatching: Type.Boolean(),
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
          }, { description: 'Vector lookups for ranking since start, answered from memory or read from the store.' })
        })
      }
    }
  }, async () => {
    const { store, queue, searchIndex, embedder } = app.parts
    const rows = await store.db.selectFrom('records').select(['kind']).select((eb) => eb.fn.countAll<string>().as('n'))
      .where('deleted', '=', false).groupBy('kind').execute()
    const pending = await store.db.selectFrom('outbox').select(['kind']).select((eb) => eb.fn.countAll<string>().as('n'))
      .where('done_at', 'is', null).groupBy('kind').execute()
    await searchIndex.refresh().catch(() => {})
    const kinds = await Promise.all(KINDS.map(async (kind) => {
      const n = Number(rows.find((r) => r.kind === kind)?.n ?? 0)
      const p = Number(pending.find((r) => r.kind === kind)?.n ?? 0)
      const documents = await searchIndex.count(kind).catch(() => null)
      return { kind, rows: n, documents, pendingOutbox: p, inSync: documents === n && p === 0 }
    }))
    const [counts, failedJobs] = await Promise.all([queue.counts(), queue.failed(20)])
    return {
      kinds,
      queue: { adapter: queue.adapter, ...counts },
      failedJobs,
      searchIndex: searchIndex.adapter,
      store: store.adapter,
      model: embedder.model,
      semanticMatching: embedder.available,
      vectorCache: { ...app.parts.vectors.usage(), warmup: { ...app.vectorWarmup } }
    }
  })
}

export default fp(statusRoutes, { name: 'status-routes', dependencies: ['parts', 'auth'], fastify: '5.x' })
