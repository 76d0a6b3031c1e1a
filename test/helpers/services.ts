import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Socket } from 'node:net'
import type { Test } from 'tap'

/** Where the real services listen during tests (the same ones CI starts). */
export const services = {
  postgres: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  elasticsearch: process.env.TEST_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
}

/** The models folder the tests load from (npm run models:provision fills it). */
export const modelsDir = process.env.MODELS_DIR ?? 'models'

const onCI = process.env.CI === 'true' || process.env.CI === '1'

/**
 * Guards a test that needs a running service. Off CI a missing service skips the test, saying so;
 * on CI (CI=true) it fails the test, because CI starts every service the tests need.
 * Returns true when the test may go on.
 */
export async function needs (t: Test, what: string, url: string): Promise<boolean> {
  if (await listening(url)) return true
  const message = `${what} is not reachable at ${url}`
  if (onCI) t.fail(`${message} (CI=true: every service must be up)`)
  else t.pass(message, { skip: `${message}; start it to run this test` })
  return false
}

/** Same as `needs`, for a precondition that is not a network service (e.g. provisioned models). */
export function requires (t: Test, ok: boolean, message: string): boolean {
  if (ok) return true
  if (onCI) t.fail(`${message} (CI=true: CI provisions everything)`)
  else t.pass(message, { skip: message })
  return false
}

function listening (url: string): Promise<boolean> {
  const u = new URL(url)
  const port = Number(u.port || (u.protocol.startsWith('postgres') ? 5432 : u.protocol.startsWith('redis') ? 6379 : 80))
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => { socket.destroy(); resolve(ok) }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.connect(port, u.hostname, () => done(true))
  })
}

const cleanups = new WeakMap<Test, Array<() => unknown>>()

/**
 * Registers a clean-up that runs when the test ends, in reverse order of registration (an app made
 * after its database is closed before the database is dropped).
 */
export function onCleanup (t: Test, fn: () => unknown): void {
  let stack = cleanups.get(t)
  if (!stack) {
    const fresh: Array<() => unknown> = []
    cleanups.set(t, fresh)
    stack = fresh
    t.teardown(async () => { while (fresh.length > 0) await (fresh.pop() as () => unknown)() })
  }
  stack.push(fn)
}

/** A fresh temporary folder, removed when the test ends. */
export async function tempDir (t: Test, prefix = 'engine-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  onCleanup(t, () => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A new, empty Postgres database on the test server, dropped when the test ends: runs never share rows. */
export async function freshDatabase (t: Test): Promise<string> {
  const { default: pg } = await import('pg')
  const name = `engine_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const admin = new pg.Client({ connectionString: services.postgres })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  onCleanup(t, async () => {
    const c = new pg.Client({ connectionString: services.postgres })
    await c.connect()
    await c.query(`drop database if exists ${name} with (force)`)
    await c.end()
  })
  const url = new URL(services.postgres)
  url.pathname = `/${name}`
  return url.toString()
}
