import t from 'tap'
import { resolve } from 'node:path'
import { modelSpec } from '../../src/embedding/model-catalog.ts'
import { isProvisioned, modelFolder } from '../../src/embedding/maven-provisioner.ts'
import { ModelProcessEmbedder } from '../../src/embedding/model-process-embedder.ts'
import { ModelState } from '../../src/embedding/model-state.ts'
import { EmbedderTimeoutError } from '../../src/ports/embedder.ts'
import { eventually } from '../helpers/app.ts'
import { modelsDir, onCleanup, requires } from '../helpers/services.ts'

t.test('the state: a change is heard once, semantic only when available or slow, reasons in words', async (t) => {
  const heard: string[] = []
  const state = new ModelState((now, before) => heard.push(`${before.state} -> ${now.state}`))
  t.match(state.status, { state: 'loading', semanticMatching: false, reason: /loading/, detail: null })
  state.set('available', 'model in process 123')
  state.set('available', 'model in process 124')
  t.same(heard, ['loading -> available'], 'the same state again is no change')
  t.match(state.status, { semanticMatching: true, reason: null, detail: 'model in process 124' })
  state.set('slow', 'answered in 3000 ms')
  t.equal(state.status.semanticMatching, true, 'slow still matches on meaning')
  for (const s of ['not-answering', 'gone', 'off'] as const) {
    state.set(s, `process 123: ${s}`)
    t.equal(state.status.semanticMatching, false, `${s}: words only`)
    t.notMatch(state.status.reason, /\d/, `${s}: the reason names no process`)
  }
})

const spec = modelSpec('all-minilm-l6-v2')

t.test('the model process frozen: one missed deadline, then calls fail at once; it answers again, and the log says each once', async (t) => {
  if (!requires(t, await isProvisioned(resolve(modelFolder(modelsDir, spec))), `${spec.name} is not provisioned`)) return
  const lines: string[] = []
  const embedder = new ModelProcessEmbedder({ info: (l) => lines.push(`info ${l}`), warn: (l) => lines.push(`warn ${l}`) }, { deadlineMs: 500 })
  t.teardown(() => embedder.close())
  await embedder.start({ spec, modelsDir, allowRemote: false, allowMaven: false })
  await embedder.embed(['warm up'], 'query', { deadlineMs: 30_000 })
  lines.length = 0
  const pid = embedder.pid as number
  process.kill(pid, 'SIGSTOP')
  onCleanup(t, () => { try { process.kill(pid, 'SIGCONT') } catch {} })

  const first = await embedder.embed(['frozen'], 'query').then(() => null, (e: unknown) => e)
  t.ok(first instanceof EmbedderTimeoutError, 'the first call misses its deadline')
  t.match(embedder.status, { state: 'not-answering', semanticMatching: false, detail: `model process ${pid} did not answer within 500 ms` })
  t.notMatch((first as Error).message, String(pid), 'the error a caller may see names no process')
  const started = performance.now()
  const again = await embedder.embed(['still frozen'], 'query').then(() => null, (e: unknown) => e)
  const ms = performance.now() - started
  t.ok(again instanceof EmbedderTimeoutError && (again as EmbedderTimeoutError).state === 'not-answering', 'the next call fails, as not answering')
  t.ok(ms < 100, `at once (${Math.round(ms)} ms), not after another 500 ms`)
  t.equal((await embedder.health()).status, 'down', 'the health check says down at once too')
  t.same(lines.filter((l) => l.startsWith('warn')).length, 1, 'one warn line')
  t.match(lines[0], /^warn semantic matching is OFF until the model answers: the embedding model does not answer/)

  process.kill(pid, 'SIGCONT')
  await eventually(async () => embedder.status.state === 'available', 10_000, 'the process answers the call it missed')
  t.same((await embedder.embed(['awake'], 'query', { deadlineMs: 30_000 })).length, 1, 'calls are answered again')
  t.match(lines.at(-1), /^info semantic matching is back on/)
  t.equal(lines.length, 2, 'and nothing else was logged')
})
