import { spawn, execFile, type ChildProcess } from 'node:child_process'
import type { Test } from 'tap'
import { onCleanup } from './services.ts'

/** Runs a repo script (`node --import=tsx <file> ...args`) as a child process with extra environment. */
export function spawnScript (file: string, env: Record<string, string>, args: readonly string[] = []): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['--import=tsx', file, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { output += d.toString() })
  return Object.assign(child, { output: () => output })
}

/** Waits for a child to exit. */
export function exited (child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
    child.once('exit', (code) => resolve(code))
  })
}

/** Stops a child when the test ends: SIGTERM, then SIGKILL after 15 s if it has not exited. */
export function stopAtEnd (t: Test, child: ChildProcess): void {
  onCleanup(t, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.kill('SIGTERM')
    await exited(child)
    clearTimeout(killer)
  })
}

/** Runs the local Elasticsearch launcher (start | stop) with its own port and data folder. */
export function esLauncher (command: 'start' | 'stop', port: number, dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['dev/elasticsearch/es.mjs', command], { env: { ...process.env, ES_PORT: String(port), ES_DATA_DIR: dataDir } },
      (err, stdout, stderr) => err ? reject(new Error(`es ${command}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout + stderr))
  })
}
