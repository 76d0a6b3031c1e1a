import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { KINDS } from '../domain/kinds.ts'
import { INDEX_JOB, type IndexJobData } from '../pipeline/index-job.ts'

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
    onRequest: app.requireScope('admin'),
    schema: {
      tags: ['operations'],
      summary: 'Rows, indexed documents and pending work per kind; queue depth, failed jobs, model',
      response: {
        200: Type.Object({
          kinds: Type.Array(KindStatus),
          queue: Type.Object({ adapter: Type.String(), waiting: Type.Integer(), active: Type.Integer(), delayed: Type.Integer(), failed: Type.Integer() }),
          failedJobs: Type.Array(Type.Object({ name: Type.String(), reason: Type.String(), attempts: Type.Integer(), failedAt: Type.String() }), {
            description: 'Jobs that exhausted their attempts and whose work is still not done (an indexing job whose records were indexed since, by a later job, is no longer listed); newest first.'
          }),
          failing: Type.Object({
            records: Type.Integer({ description: 'Accepted writes not yet indexed whose last attempt failed.' }),
            recent: Type.Array(Type.Object({ kind: Type.String(), id: Type.String(), attempts: Type.Integer(), error: Type.String() }))
          }, { description: 'What is failing now: writes whose indexing failed and has not succeeded since.' }),
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
    const [counts, failedJobs, failingCount, failingRecent] = await Promise.all([
      queue.counts(),
      queue.failed(100),
      store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('done_at', 'is', null).where('last_error', 'is not', null).executeTakeFirst(),
      store.db.selectFrom('outbox').select(['kind', 'record_id', 'attempts', 'last_error']).where('done_at', 'is', null).where('last_error', 'is not', null).orderBy('seq', 'desc').limit(20).execute()
    ])
    // An indexing job's failure stays in the queue's history after a later job indexed its rows.
    const seqsOf = (data: unknown) => Array.isArray((data as IndexJobData | null)?.seqs) ? (data as IndexJobData).seqs : []
    const jobSeqs = [...new Set(failedJobs.filter((j) => j.name === INDEX_JOB).flatMap((j) => seqsOf(j.data)))]
    const pendingSeqs = jobSeqs.length === 0
      ? new Set<string>()
      : new Set((await store.db.selectFrom('outbox').select('seq').where('seq', 'in', jobSeqs).where('done_at', 'is', null).execute()).map((r) => String(r.seq)))
    const stillFailing = failedJobs
      .filter((j) => j.name !== INDEX_JOB || seqsOf(j.data).some((seq) => pendingSeqs.has(String(seq))))
      .slice(0, 20)
      .map(({ name, reason, attempts, failedAt }) => ({ name, reason, attempts, failedAt }))
    return {
      kinds,
      queue: { adapter: queue.adapter, ...counts },
      failedJobs: stillFailing,
      failing: {
        records: Number(failingCount?.n ?? 0),
        recent: failingRecent.map((r) => ({ kind: r.kind, id: r.record_id, attempts: r.attempts, error: r.last_error ?? '' }))
      },
      searchIndex: searchIndex.adapter,
      store: store.adapter,
      model: embedder.model,
      semanticMatching: embedder.available,
      vectorCache: { ...app.parts.vectors.usage(), warmup: { ...app.vectorWarmup } }
    }
  })
}

export default fp(statusRoutes, { name: 'status-routes', dependencies: ['parts', 'auth'], fastify: '5.x' })
