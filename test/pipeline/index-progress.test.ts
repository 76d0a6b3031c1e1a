import t from 'tap'
import { createStore } from '../../src/store/create-store.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import type { Database } from '../../src/store/schema.ts'
import { IndexProgress, recentRate, timeLeft } from '../../src/pipeline/index-progress.ts'
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
  // A slow start (the model loading, the first batch): 200 in the first minute, then 20 a second.
  await finish(200)
  await progress.tick(60_000)
  t.equal(lines.at(-1), 'indexing: 200 of 4,000 writes indexed', 'no rate yet: nothing said of the time left')
  await finish(200)
  await progress.tick(70_000)
  t.equal(lines.at(-1), 'indexing: 400 of 4,000 writes indexed', 'still no rate over 10 s')
  await finish(200)
  await progress.tick(80_000)
  t.equal(lines.at(-1), 'indexing: 600 of 4,000 writes indexed, 20 a second, about 3 min left', 'the rate since the first progress (400 in 20 s), not since the start: 3,400 left at 20 a second')
  await store.db.insertInto('outbox').values(rows(4000, 1000)).execute()
  for (let at = 90_000; at <= 140_000; at += 10_000) {
    await finish(100)
    await progress.tick(at)
  }
  t.equal(lines.at(-1), 'indexing: 1,200 of 5,000 writes indexed, 10 a second, about 6 min left', 'over the last minute only: the pace fell to 10 a second, and writes added meanwhile grow the total')
  const said = lines.length
  await progress.tick(150_000)
  await progress.tick(160_000)
  t.equal(lines.length, said, 'nothing indexed since the last line: nothing said for a minute')
  await progress.tick(200_000)
  t.equal(lines.at(-1), 'indexing: 1,200 of 5,000 writes indexed', 'then one line (no rate: nothing indexed in the last minute)')
  await finish(3800)
  await progress.tick(300_000)
  t.equal(lines.at(-1), 'indexing caught up: 5,000 writes indexed in 5 min')
  const after = lines.length
  await progress.tick(310_000)
  t.equal(lines.length, after, 'and then quiet')
})

t.test('the rate: over the samples of the window, and none until they span enough and show progress', async (t) => {
  // A synthetic run at 25 a second, sampled every 10 s.
  const samples = Array.from({ length: 7 }, (_, i) => ({ at: 100_000 + i * 10_000, done: 500 + i * 250 }))
  t.equal(recentRate(samples, 20_000), 25)
  t.equal(timeLeft(3000, 25), 120_000, '3,000 left at 25 a second: 2 min')
  t.equal(recentRate(samples.slice(0, 2), 20_000), null, '10 s apart: no rate yet')
  t.equal(recentRate([{ at: 0, done: 100 }, { at: 30_000, done: 100 }], 20_000), null, 'no progress: no rate')
  t.equal(recentRate([], 20_000), null)
})
