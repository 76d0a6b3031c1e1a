import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer, Socket, type AddressInfo } from 'node:net'
import type { Test } from 'tap'
import { eventually } from './app.ts'
import { exited } from './processes.ts'
import { onCleanup } from './services.ts'

/** A redis-server of a test's own, for faults made on it (never on the shared one on 6379). */
export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? 'redis-server'
export const hasRedisServer = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' }).status === 0

/** A loopback port nothing listens on (at the moment of asking). */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** Whether a loopback port accepts a connection within 0.5 s. */
export function accepting (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => { socket.destroy(); resolve(ok) }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.connect(port, '127.0.0.1', () => done(true))
  })
}

/**
 * Our own redis-server on `port` (no persistence), accepting connections when this returns, and
 * started again on the same port by `restart`. Call before the app is made: the server is killed
 * when the test ends, after the app has closed (woken first if it was frozen).
 */
export async function ownRedis (t: Test, port: number): Promise<{ process: () => ChildProcess, restart: () => Promise<void> }> {
  let child: ChildProcess
  const start = async () => {
    child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    await eventually(() => accepting(port), 10_000, `redis-server on port ${port}`)
  }
  onCleanup(t, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGCONT')
    child.kill('SIGKILL')
    await exited(child)
  })
  await start()
  return { process: () => child, restart: start }
}
