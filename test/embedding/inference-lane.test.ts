import t from 'tap'
import { InferenceLane } from '../../src/embedding/inference-lane.ts'

t.test('one task at a time; urgent ones overtake waiting background ones', async (t) => {
  const lane = new InferenceLane()
  const log: string[] = []
  let running = 0
  let most = 0
  const task = (name: string, ms: number) => async () => {
    running++
    most = Math.max(most, running)
    log.push(`start ${name}`)
    await new Promise((resolve) => setTimeout(resolve, ms))
    running--
    return name
  }
  const done = [
    lane.run(task('b1', 30), false),
    lane.run(task('b2', 10), false),
    lane.run(task('b3', 10), false)
  ]
  t.equal(lane.waiting, 2, 'b1 runs, two wait')
  done.push(lane.run(task('q1', 5), true))
  t.same(await Promise.all(done), ['b1', 'b2', 'b3', 'q1'], 'each caller gets its own result')
  t.equal(most, 1, 'never two at once')
  t.same(log, ['start b1', 'start q1', 'start b2', 'start b3'], 'the query ran right after the batch already running')
  await t.rejects(lane.run(async () => { throw new Error('model failed') }, true), /model failed/, 'a failure reaches its caller')
  t.equal(await lane.run(async () => 'after', false), 'after', 'and the lane goes on')
})
