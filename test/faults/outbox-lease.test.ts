import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import { sql } from 'kysely'
import type { JobQueue } from '../../src/ports/job-queue.ts'
import { InProcessQueue } from '../../src/queue/in-process-queue.ts'
import { BullMQQueue } from '../../src/queue/bullmq-queue.ts'
import { OutboxRelay } from '../../src/pipeline/outbox-relay.ts'
import { INDEX_JOB, type IndexJobData } from '../../src/pipeline/index-job.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { createStore } from '../../src/store/create-store.ts'
import type { Database } from '../../src/store/schema.ts'
import { eventually } from '../helpers/app.ts'
import { needs, services, tempDir } from '../helpers/services.ts'

// A lease re-queues rows whose job is gone, never rows whose job is still waiting or running: a
// slow worker behind a long import must not pile up duplicate jobs. Real queues (in-process and
// BullMQ on Redis), a real store; the handler is slow on purpose (a worker that takes longer than
// the lease), standing in for the embed-and-index job, and marks its rows done as that job does.
const queues: Array<{ name: string, open: (t: Test) => Promise<JobQueue | null> }> = [
  { name: 'in-process', open: async () => new InProcessQueue({ concurrency: 1, attempts: 1 }) },
  {
    name: 'bullmq',
    open: async (t) => (await needs(t, 'Redis', services.redis))
      ? new BullMQQueue({ url: services.redis, name: `lease-${randomUUID()}`, concurrency: 1, attempts: 1 })
      : null
  }
]

for (const adapter of queues) {
  t.test(`a slow worker: no row is enqueued twice while its job waits or runs (${adapter.name})`, async (t) => {
    const queue = await adapter.open(t)
    if (!queue) return
    const store = await createStore<Database>({ dataDir: await tempDir(t) })
    await migrateToLatest(store.db)
    const runs: string[][] = []
    let failFirst = true
    queue.handle<IndexJobData>(INDEX_JOB, async ({ seqs }) => {
      runs.push(seqs)
      await new Promise((resolve) => setTimeout(resolve, 400)) // longer than the lease
      if (failFirst) {
        failFirst = false
        throw new Error('the first job fails for good (attempts: 1)')
      }
      await store.db.updateTable('outbox').set({ done_at: new Date() }).where('seq', 'in', seqs).execute()
    })
    await queue.start()
    const relay = new OutboxRelay(store.db, queue, { batchSize: 5, leaseMs: 150, pollMs: 50 })
    t.teardown(async () => { await relay.stop(); await queue.close(); await store.close() })

    const rows = Array.from({ length: 30 }, (_, i) => ({ kind: 'organizations', record_id: `o-${i}`, revision: 1, op: 'upsert' as const }))
    await store.db.insertInto('outbox').values(rows).execute()
    relay.start()
    await eventually(async () => {
      const pending = await store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('done_at', 'is', null).executeTakeFirst()
      return Number(pending?.n) === 0
    }, 30_000, 'every row done')
    // 6 jobs of 5 rows, run one at a time for 0.4 s each against a 0.15 s lease; the first fails
    // for good, and only its rows are enqueued again, once.
    const seen = runs.flat()
    t.equal(runs.length, 7, `7 jobs ran (${runs.map((r) => r.length).join(', ')} rows)`)
    t.equal(seen.length, 35, 'the 30 rows, and the failed job\'s 5 again')
    t.same(runs[6], runs[0], 'the rows re-queued are those of the failed job')
    const attempts = await store.db.selectFrom('outbox').select('attempts').execute()
    t.same([...new Set(attempts.map((a) => a.attempts))].sort(), [1, 2])
  })

  t.test(`rows whose job was lost are enqueued again after the lease (${adapter.name})`, async (t) => {
    const queue = await adapter.open(t)
    if (!queue) return
    const store = await createStore<Database>({ dataDir: await tempDir(t) })
    await migrateToLatest(store.db)
    const runs: string[][] = []
    queue.handle<IndexJobData>(INDEX_JOB, async ({ seqs }) => {
      runs.push(seqs)
      await store.db.updateTable('outbox').set({ done_at: new Date() }).where('seq', 'in', seqs).execute()
    })
    await queue.start()
    // Rows a previous process enqueued under a job this queue has never held (Redis flushed, a
    // restarted in-process queue): lost work.
    await store.db.insertInto('outbox').values([1, 2, 3].map((i) => ({ kind: 'people', record_id: `p-${i}`, revision: 1, op: 'upsert' as const }))).execute()
    await sql`update outbox set enqueued_at = now() - interval '1 hour', job_id = 'lost-job-1', attempts = 1`.execute(store.db)
    const relay = new OutboxRelay(store.db, queue, { leaseMs: 1000, pollMs: 50 })
    t.teardown(async () => { await relay.stop(); await queue.close(); await store.close() })
    relay.start()
    await eventually(async () => runs.length === 1, 10_000, 'the lost rows run again')
    t.equal(runs[0]?.length, 3)
  })
}
