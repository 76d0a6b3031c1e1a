import t from 'tap'
import { takeTurn } from '../src/loop-turns.ts'

t.test('takeTurn: takers resume first come first served, one per turn of the event loop', async (t) => {
  const order: string[] = []
  const takers = ['a', 'b', 'c', 'd'].map((name) => takeTurn().then(() => {
    order.push(name)
    // Work queued by the first taker runs in a later turn: it must come before the takers that
    // wait two turns or more, as it would not if every taker resumed in the same turn.
    if (name === 'a') setImmediate(() => order.push('queued by a'))
  }))
  await Promise.all(takers)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(order, ['a', 'b', 'queued by a', 'c', 'd'])
})

t.test('takeTurn: a taker arriving later waits behind those already waiting', async (t) => {
  const order: number[] = []
  const first = [1, 2].map((n) => takeTurn().then(() => { order.push(n) }))
  await first[0]
  await takeTurn().then(() => { order.push(3) })
  await Promise.all(first)
  t.same(order, [1, 2, 3])
})
