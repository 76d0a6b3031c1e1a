/**
 * Turns of the event loop for CPU-bound work, one taker per turn, first come first served.
 *
 * Retrieving from the embedded index, and re-ranking with either backend, are milliseconds of CPU on
 * the API's thread. When every request in flight continues in the same turn of the loop (after a
 * plain `setImmediate`, or when several search responses arrive together, all of them do), a turn
 * lasts as long as all their work together, and Node reads one new connection per turn: a burst of 24
 * new connections behind 8 busy ones waited up to 3.1 s for their first byte on the embedded backend
 * (a 5 s p99 at 32 in flight). With one taker per turn the loop comes back to its sockets between two
 * pieces of work, and the same burst is answered within 0.4 s.
 */
const waiting: Array<() => void> = []
let scheduled = false

function pump (): void {
  scheduled = false
  waiting.shift()?.()
  if (waiting.length > 0) schedule()
}

function schedule (): void {
  scheduled = true
  setImmediate(pump)
}

/** Resolves in a turn of the event loop of its own, after the takers before it. */
export function takeTurn (): Promise<void> {
  return new Promise<void>((resolve) => {
    waiting.push(resolve)
    if (!scheduled) schedule()
  })
}
