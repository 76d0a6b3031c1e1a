import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { requires, tempDir } from '../helpers/services.ts'
import { spawnScript, stopAtEnd } from '../helpers/processes.ts'
import { eventually } from '../helpers/app.ts'
import { outputDifferences, readmeExamples } from '../helpers/readme-examples.ts'

/**
 * The README's tour, run as a new user runs it: a fresh start of the service on its embedded
 * defaults (a new DATA_DIR, the demo loaded from the committed seed, no keys, nothing else beside
 * it), every example's command exactly as written with only the port changed, and its answer
 * compared with the lines the README prints: ids, names, texts and order exactly, scores within
 * SCORE_TOLERANCE ("scores can differ in the last digits"); where two results' scores are that close
 * (a quantised model's vectors move a little with how the worker batched the texts), either may
 * come first. The README cannot go stale without this
 * test failing.
 */
const SCORE_TOLERANCE = 0.01
const README = new URL('../../README.md', import.meta.url)

const examples = readmeExamples(readFileSync(README, 'utf8'))
// A fresh demo start embeds and indexes 4,000 records: longer than the per-file limit of .taprc.
t.setTimeout(30 * 60_000)

t.test('the README tour is read as a list of commands and answers', async (t) => {
  t.ok(examples.length >= 8, `${examples.length} examples`)
  for (const e of examples) {
    t.match(e.command, /localhost:3000\//, `runs against the default port: ${e.command.split('\n')[0]}`)
    t.ok(e.expected.length > 0, 'shows its answer')
  }
})

t.test('every README example reproduces on a fresh demo start', async (t) => {
  const tools = await Promise.all(['curl', 'jq'].map(async (tool) => [tool, await run(`command -v ${tool}`).then(() => true, () => false)] as const))
  for (const [tool, present] of tools) if (!requires(t, present, `${tool} is installed (the README's examples use it)`)) return

  const dataDir = await tempDir(t, 'readme-tour-')
  // The embedded defaults as after `npm start` on a fresh clone: no server, no keys, the default model.
  const server = spawnScript('src/server.ts', {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    DATABASE_URL: '',
    REDIS_URL: '',
    ELASTICSEARCH_URL: '',
    API_KEYS: '',
    DEMO_DATA: 'true',
    EMBEDDING_MODEL: ''
  })
  stopAtEnd(t, server)
  let port = 0
  await eventually(async () => {
    const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/i.exec(server.output())
    if (server.exitCode !== null) throw new Error(`the service exited: ${server.output().slice(-2000)}`)
    if (m) port = Number(m[1])
    return port > 0
  }, 600_000, 'the service to listen').catch((err: Error) => { throw new Error(`${err.message}; its output: ${server.output().slice(-3000)}`) })

  // The tour's first example shows every kind in sync: wait for it, as its text says to.
  await eventually(async () => {
    const status = await fetch(`http://127.0.0.1:${port}/v1/status`).then(async (r) => r.ok ? await r.json() as { kinds: Array<{ inSync: boolean }> } : null).catch(() => null)
    return status !== null && status.kinds.length > 0 && status.kinds.every((k) => k.inSync)
  }, 25 * 60_000, 'the demo to be indexed')

  for (const example of examples) {
    const command = example.command.replaceAll('localhost:3000', `localhost:${port}`)
    const out = await run(command)
    const actual = out.split('\n').filter((l) => l.trim() !== '')
    const problems = outputDifferences(example.expected, actual, SCORE_TOLERANCE)
    t.same(problems, [], `${example.command.split('\n')[0]}${problems.length > 0 ? `\n${actual.join('\n')}` : ''}`)
  }
})

function run (command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-o', 'pipefail', '-c', command], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command}\n${err.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}
