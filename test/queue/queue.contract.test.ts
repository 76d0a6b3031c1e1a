import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import type { JobQueue } from '../../src/ports/job-queue.ts'
import { InProcessQueue } from '../../src/queue/in-process-queue.ts'
import { BullMQQueue } from '../../src/queue/bullmq-queue.ts'
import { needs, services } from '../helpers/services.ts'

// One contract, every adapter: the in-process queue and BullMQ on a real Redis.
const adapters: Array<{ name: string, open: (t: Test) => Promise<JobQueue | null> }> = [
  { name: 'in-process', open: async () => new InProcessQueue({ backoffMs: 10 }) },
  {
    name: 'bullmq',
    open: async (t) => (await needs(t, 'Redis', services.redis))
      ? new BullMQQueue({ url: services.redis, name: `contract-${randomUUID()}`, backoffMs: 10 })
      : null
  }
]

function waitFor (check: () => boolean, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const tick = () => {
      if (check()) return resolve()
      if (Date.now() - started > ms) return reject(new Error('timed out waiting'))
      setTimeout(tick, 10)
    }
    tick()
  })
}

for (const adapter of adapters) {
  t.test(`queue contract: ${adapter.name}`, async (t) => {
    const queue = await adapter.open(t)
    if (!queue) return
    t.teardown(() => queue.close())
    t.equal(queue.adapter, adapter.name)

    const seen: number[] = []
    queue.handle<{ n: number }>('record', async ({ n }) => { seen.push(n) })
    let failures = 0
    queue.handle<{ failTimes: number }>('flaky', async ({ failTimes }) => {
      if (failures < failTimes) {
        failures++
        throw new Error('transient')
      }
      seen.push(-1)
    })
    await queue.start()

    t.test('reports itself up', async (t) => {
      const health = await queue.health()
      t.equal(health.status, 'up')
      t.equal(health.part, 'queue')
    })

    t.test('runs every job added', async (t) => {
      for (let n = 0; n < 25; n++) await queue.add('record', { n })
      await waitFor(() => seen.filter((n) => n >= 0).length === 25)
      t.same([...seen].filter((n) => n >= 0).sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i))
    })

    t.test('counts jobs by state', async (t) => {
      const counts = await queue.counts()
      t.same(Object.keys(counts).sort(), ['active', 'delayed', 'failed', 'waiting'])
      t.equal(counts.failed, 0)
      t.same(await queue.failed(10), [])
    })

    t.test('retries a failing job until it succeeds', async (t) => {
      await queue.add('flaky', { failTimes: 2 })
      await waitFor(() => seen.includes(-1))
      t.equal(failures, 2)
    })
  })
}

// One job at a time, so that the order of the waiting ones is the order they run in.
const serial: Array<{ name: string, open: (t: Test) => Promise<JobQueue | null> }> = [
  { name: 'in-process', open: async () => new InProcessQueue({ concurrency: 1 }) },
  {
    name: 'bullmq',
    open: async (t) => (await needs(t, 'Redis', services.redis))
      ? new BullMQQueue({ url: services.redis, name: `priority-${randomUUID()}`, concurrency: 1 })
      : null
  }
]

for (const adapter of serial) {
  t.test(`${adapter.name}: waiting jobs without a priority run first, then by priority, in order within one; delays`, async (t) => {
    const queue = await adapter.open(t)
    if (!queue) return
    t.teardown(() => queue.close())
    let openGate: () => void = () => {}
    const gate = new Promise<void>((resolve) => { openGate = resolve })
    let gateRunning = false
    queue.handle('gate', async () => { gateRunning = true; await gate })
    const order: string[] = []
    queue.handle<{ tag: string }>('tagged', async ({ tag }) => { order.push(tag) })
    await queue.start()
    await queue.add('gate', {})
    await waitFor(() => gateRunning)
    // The only worker slot is held: these wait.
    await queue.add('tagged', { tag: 'low-1' }, { priority: 10 })
    await queue.add('tagged', { tag: 'high' }, { priority: 1 })
    await queue.add('tagged', { tag: 'none-1' })
    await queue.add('tagged', { tag: 'low-2' }, { priority: 10 })
    await queue.add('tagged', { tag: 'none-2' })
    openGate()
    await waitFor(() => order.length === 5)
    t.same(order, ['none-1', 'none-2', 'high', 'low-1', 'low-2'])
    const added = Date.now()
    await queue.add('tagged', { tag: 'later' }, { delayMs: 400 })
    await queue.add('tagged', { tag: 'now' })
    await waitFor(() => order.includes('later'))
    t.ok(Date.now() - added >= 380, 'a delayed job waits its delay')
    t.same(order.slice(5), ['now', 'later'], 'and jobs added after it go first')
  })
}

t.test('bullmq reports down when Redis is unreachable', async (t) => {
  const queue = new BullMQQueue({ url: 'redis://127.0.0.1:1', name: 'nowhere' })
  t.teardown(() => queue.close().catch(() => {}))
  const health = await Promise.race([
    queue.health(),
    new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('health check hung')), 5000))
  ])
  t.equal(health.status, 'down')
})

t.test('in-process queue runs up to `concurrency` jobs at once, and waits for them on close', async (t) => {
  for (const concurrency of [1, 2]) {
    const queue = new InProcessQueue({ concurrency })
    let running = 0
    let most = 0
    let done = 0
    queue.handle('slow', async () => {
      running++
      most = Math.max(most, running)
      await new Promise((resolve) => setTimeout(resolve, 30))
      running--
      done++
    })
    await queue.start()
    for (let i = 0; i < 6; i++) await queue.add('slow', {})
    await waitFor(() => done === 6)
    t.equal(most, concurrency, `concurrency ${concurrency}: at most ${concurrency} at once, and that many`)
    await queue.add('slow', {})
    await queue.close()
    t.equal(done, 7, 'close waits for the job in hand')
  }
})

t.test('in-process queue: jobs that settle without I/O still let the event loop turn between them', async (t) => {
  const queue = new InProcessQueue({ concurrency: 2 })
  t.teardown(() => queue.close())
  let done = 0
  // Each job is 2 ms of work whose awaits settle at once (as the embedded store's and index's do).
  queue.handle('busy', async () => {
    const until = performance.now() + 2
    while (performance.now() < until);
    await Promise.resolve()
    done++
  })
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 1)
  await queue.start()
  await Promise.all(Array.from({ length: 300 }, () => queue.add('busy', {})))
  await waitFor(() => done === 300)
  clearInterval(timer)
  // Without a turn between jobs the timer could not fire until all 600 ms of them had run.
  t.ok(ticks >= 20, `the 1 ms timer fired ${ticks} times during 300 jobs of 2 ms`)
})
