import t from 'tap'
import { createStore } from '../../src/store/create-store.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import type { Database } from '../../src/store/schema.ts'
import { IndexProgress } from '../../src/pipeline/index-progress.ts'
import { tempDir } from '../helpers/services.ts'

t.test('indexing progress: how many of how many, the rate, the time left, then caught up', async (t) => {
  const store = await createStore<Database>({ dataDir: await tempDir(t) })
  t.teardown(() => store.close())
  await migrateToLatest(store.db)
  const lines: string[] = []
  const progress = new IndexProgress(store.db, { log: (m) => lines.push(m) })
  const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'organizations', record_id: `o${from + i}`, revision: 1, op: 'upsert' as const, enqueued_at: null, done_at: null, last_error: null }))
  const finish = async (n: number) => {
    const seqs = (await store.db.selectFrom('outbox').select('seq').where('done_at', 'is', null).orderBy('seq').limit(n).execute()).map((r) => r.seq)
    await store.db.updateTable('outbox').set({ done_at: new Date() }).where('seq', 'in', seqs).execute()
  }

  await progress.tick(0)
  t.same(lines, [], 'nothing waiting: nothing said')
  await store.db.insertInto('outbox').values(rows(0, 4000)).execute()
  await progress.tick(0)
  t.equal(lines.at(-1), 'indexing: 4,000 writes waiting')
  await finish(1200)
  await progress.tick(60_000)
  t.equal(lines.at(-1), 'indexing: 1,200 of 4,000 writes indexed, 20 a second, about 2 min left', '1,200 in a minute: 2,800 left at 20 a second')
  await store.db.insertInto('outbox').values(rows(4000, 1000)).execute()
  await finish(800)
  await progress.tick(120_000)
  t.equal(lines.at(-1), 'indexing: 2,000 of 5,000 writes indexed, 17 a second, about 3 min left', 'writes added meanwhile grow the total')
  await finish(3000)
  await progress.tick(300_000)
  t.equal(lines.at(-1), 'indexing caught up: 5,000 writes indexed in 5 min')
  const said = lines.length
  await progress.tick(310_000)
  t.equal(lines.length, said, 'and then quiet')
})
