import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/** Where a request's time went: phases marked in order, each lasting from the mark before it. */
export class PhaseTimer {
  private readonly started = performance.now()
  private last = this.started
  readonly phases: Array<[string, number]> = []

  /** Ends the phase running since the previous mark (or the request's start) under `name`. */
  mark (name: string): void {
    const now = performance.now()
    this.phases.push([name, now - this.last])
    this.last = now
  }

  /** The Server-Timing header value: each phase, then the total so far. */
  header (): string {
    const total = performance.now() - this.started
    return [...this.phases, ['total', total] as [string, number]].map(([n, ms]) => `${n};dur=${ms.toFixed(2)}`).join(', ')
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    timing: PhaseTimer
  }
}

/**
 * Every response carries a Server-Timing header (https://www.w3.org/TR/server-timing/): the match
 * routes mark their phases (record, seeker, retrieve, rank, ...), so a portal's developer tools, or an
 * operator's curl, show where a slow answer spent its time.
 */
async function serverTiming (app: FastifyInstance): Promise<void> {
  app.decorateRequest('timing', null as unknown as PhaseTimer)
  app.addHook('onRequest', async (request) => { request.timing = new PhaseTimer() })
  app.addHook('onSend', async (request, reply) => { reply.header('server-timing', request.timing.header()) })
}

export default fp(serverTiming, { name: 'server-timing', fastify: '5.x' })
