import t from 'tap'
import { cp, rename } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { modelSpec } from '../../src/embedding/model-catalog.ts'
import { isProvisioned, modelFolder } from '../../src/embedding/maven-provisioner.ts'
import { loadModel } from '../../src/embedding/load-model.ts'
import { TransformersEmbedder } from '../../src/embedding/transformers-embedder.ts'
import { ModelProcessEmbedder } from '../../src/embedding/model-process-embedder.ts'
import { EmbedderUnavailableError } from '../../src/ports/embedder.ts'
import { modelsDir, requires, tempDir } from '../helpers/services.ts'

const spec = modelSpec('bge-small-en-v1.5')
const options = { spec, modelsDir, allowRemote: false, allowMaven: false }
const texts = Array.from({ length: 32 }, (_, i) => `Laser powder bed fusion of titanium alloys for aerospace brackets, lot ${i}, with process monitoring and qualification`)

/** Timer ticks (1 ms interval) the event loop gets to run while `work` runs. */
async function ticksDuring (work: () => Promise<unknown>): Promise<number> {
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 1)
  try {
    await work()
  } finally {
    clearInterval(timer)
  }
  return ticks
}

t.test('the model in its own process', async (t) => {
  if (!requires(t, await isProvisioned(resolve(modelFolder(modelsDir, spec))), `${spec.name} is not provisioned (npm run models:provision)`)) return
  const separate = new ModelProcessEmbedder()
  t.teardown(() => separate.close())
  const info = await separate.start(options)
  t.equal(info.spec.name, spec.name)
  t.equal(info.origin, 'models-dir')
  t.ok(separate.available)
  t.equal(separate.model, spec.name)
  t.ok(separate.pid && separate.pid !== process.pid, 'runs in another process')

  const inline = new TransformersEmbedder()
  inline.use(await loadModel({ ...options, log: () => {} }))
  t.teardown(() => inline.close())

  t.test('gives the vectors the model gives in this process', async (t) => {
    const there = await separate.embed(texts.slice(0, 5), 'passage')
    const here = await inline.embed(texts.slice(0, 5), 'passage')
    t.equal(there.length, 5)
    for (let i = 0; i < 5; i++) {
      t.ok(there[i] instanceof Float32Array)
      t.same(Array.from(there[i] as Float32Array), Array.from(here[i] as Float32Array), `vector ${i} is the same`)
    }
    const [query] = await separate.embed(['titanium additive manufacturing'], 'query')
    const [queryHere] = await inline.embed(['titanium additive manufacturing'], 'query')
    t.same(Array.from(query as Float32Array), Array.from(queryHere as Float32Array), 'the role prefix is applied there too')
  })

  t.test('leaves the event loop free while it embeds (in this process inference holds it)', async (t) => {
    await separate.embed(texts, 'passage')
    await inline.embed(texts, 'passage')
    const free = await ticksDuring(() => separate.embed(texts, 'passage'))
    const held = await ticksDuring(() => inline.embed(texts, 'passage'))
    t.ok(held <= 3, `in this process the timer ran ${held} times during a batch of 32`)
    t.ok(free >= 10, `beside the model process it ran ${free} times`)
  })

  t.test('a query goes ahead of indexing batches queued before it', async (t) => {
    const order: string[] = []
    const big = [...texts, ...texts, ...texts, ...texts]
    const background = [1, 2, 3].map((i) => separate.embed(big, 'passage', { background: true }).then(() => order.push(`batch ${i}`)))
    // The query reaches the model process while the first batch runs (a batch of 128 takes 200+ ms).
    await new Promise((resolve) => setTimeout(resolve, 30))
    const query = separate.embed(['graphene sensors'], 'query').then(() => order.push('query'))
    await Promise.all([...background, query])
    // It waits for the batch running and, at times, the one after it (observed), never for all of them.
    t.ok(order.indexOf('query') <= 2, `order: ${order.join(', ')}`)
  })

  t.test('a killed model process fails what it held; the next call starts a new one', async (t) => {
    const before = separate.pid as number
    const held = separate.embed(texts, 'passage')
    process.kill(before, 'SIGKILL')
    const err = await held.then(() => null, (e: Error) => e)
    t.ok(err instanceof Error, 'the call it held fails')
    t.match(err?.message, /model process .* exited with SIGKILL/)
    const [v] = await separate.embed(['after the crash'], 'passage')
    t.equal(v?.length, 384, 'the next call is answered')
    t.ok(separate.pid && separate.pid !== before, 'by a new process')
    t.equal(separate.starts, 2)
    t.equal((await separate.health()).status, 'up')
  })

  t.test('closed, the process exits and calls say the model is unavailable', async (t) => {
    const pid = separate.pid as number
    await separate.close()
    t.throws(() => process.kill(pid, 0), 'the model process is gone')
    const err = await separate.embed(['x'], 'passage').then(() => null, (e: unknown) => e)
    t.ok(err instanceof EmbedderUnavailableError)
    t.equal(separate.available, false)
  })
})

t.test('a model no source has: start fails, saying why, and semantic matching is off', async (t) => {
  const empty = await tempDir(t)
  const separate = new ModelProcessEmbedder()
  t.teardown(() => separate.close())
  const err = await separate.start({ ...options, modelsDir: empty }).then(() => null, (e: Error) => e)
  t.match(err?.message, /not provisioned/)
  t.equal(separate.available, false)
  t.equal(separate.pid, undefined, 'no process is left running')
  const health = await separate.health()
  t.equal(health.status, 'off')
  t.match(health.detail, /not provisioned/)
})

t.test('a replacement that cannot load its model: calls fail at once, saying why, until the back-off has passed', async (t) => {
  if (!requires(t, await isProvisioned(resolve(modelFolder(modelsDir, spec))), `${spec.name} is not provisioned (npm run models:provision)`)) return
  // A models folder of its own, whose files this test takes away while the model process runs.
  const dir = await tempDir(t)
  await cp(resolve(modelFolder(modelsDir, spec)), modelFolder(dir, spec), { recursive: true })
  const separate = new ModelProcessEmbedder()
  t.teardown(() => separate.close())
  await separate.start({ ...options, modelsDir: dir })
  await rename(modelFolder(dir, spec), join(dir, 'moved-away'))
  process.kill(separate.pid as number, 'SIGKILL')
  await new Promise((resolve) => setTimeout(resolve, 200))

  const first = await separate.embed(['x'], 'passage').then(() => null, (e: unknown) => e)
  t.ok(first instanceof EmbedderUnavailableError, 'the call fails as unavailable')
  t.match((first as Error).message, /could not be restarted: .*not provisioned/)
  t.equal(separate.starts, 2, 'one replacement was tried')
  const second = await separate.embed(['x'], 'passage').then(() => null, (e: unknown) => e)
  t.match((second as Error).message, /could not be restarted .* next attempt in 1 s/)
  t.equal(separate.starts, 2, 'within the back-off no process is started')
  t.equal((await separate.health()).status, 'down')

  await rename(join(dir, 'moved-away'), modelFolder(dir, spec))
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const [v] = await separate.embed(['the files are back'], 'passage')
  t.equal(v?.length, 384, 'after the back-off the next call starts a process that loads')
  t.equal(separate.starts, 3)
})
