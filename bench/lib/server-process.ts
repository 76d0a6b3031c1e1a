import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** A free loopback port. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

/**
 * Starts the server with package.json's own start command, as `npm start` does, and waits until it
 * answers. A benchmark's load comes from one client: the per-client limits are off unless `env`
 * sets them. `cwd`: another checkout to run (a git worktree of an earlier commit, to compare code
 * versions side by side); its own package.json gives the start command.
 */
export async function spawnServer (env: Record<string, string>, cwd = '.') {
  env = { RATE_LIMIT_MAX: '0', FREE_TEXT_CONCURRENCY: '100000', ...env }
  const port = await freePort()
  // BENCH_SERVER_PROFILE=<dir>: the server writes a V8 CPU profile there when it stops.
  // (Node refuses --cpu-prof in NODE_OPTIONS: it goes on the command line.)
  const profile = process.env.BENCH_SERVER_PROFILE ? ` --cpu-prof --cpu-prof-dir=${process.env.BENCH_SERVER_PROFILE}` : ''
  // BENCH_SERVER_NODE_FLAGS: more node flags for the server alone (a GC setting to compare, say).
  const flags = process.env.BENCH_SERVER_NODE_FLAGS ? ` ${process.env.BENCH_SERVER_NODE_FLAGS}` : ''
  // The start command execs node (same flags, same heap limit), so the child's pid is the server's.
  const start = (JSON.parse(await readFile(join(cwd, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  if (!/^exec node /.test(start)) throw new Error(`package.json's start command should begin with "exec node ": ${start}`)
  const child = spawn('sh', ['-c', start.replace(/^exec node /, `exec node${profile}${flags} `)], { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'inherit', 'inherit'], cwd })
  const deadline = Date.now() + 120_000
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`)
      if (res.ok) break
    } catch {}
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    if (Date.now() > deadline) throw new Error('server did not start')
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    port,
    pid: child.pid as number,
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  }
}
