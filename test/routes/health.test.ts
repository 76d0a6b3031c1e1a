import t from 'tap'
import { loadConfig } from '../../config/load.ts'
import { buildServer } from '../../src/build.ts'
import { modelsDir, tempDir } from '../helpers/services.ts'
import { eventually } from '../helpers/app.ts'

t.test('GET /health answers without touching dependencies', async (t) => {
  const app = await buildServer({ config: loadConfig({ DATA_DIR: await tempDir(t), MODELS_DIR: modelsDir, EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false', DEMO_DATA: 'false' }) })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().status, 'ok')
})

t.test('GET /ready lists each part of the embedded default with its latency', async (t) => {
  const app = await buildServer({ config: loadConfig({ DATA_DIR: await tempDir(t), MODELS_DIR: modelsDir, EMBEDDING_MODEL: 'all-minilm-l6-v2', EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false', DEMO_DATA: 'false' }) })
  t.teardown(() => app.close())
  await app.parts.modelReady
  // The embedded index is refilled in the background after start; /ready is degraded until then.
  await eventually(async () => app.pipeline?.refill?.state === 'done', 30_000, 'refilled')
  const res = await app.inject({ method: 'GET', url: '/ready' })
  const body = res.json()
  t.same(body.catchUp, { refill: { state: 'done', indexed: 0, total: 0 }, pendingOutbox: 0 })
  t.same(body.parts.map((p: { part: string }) => p.part), ['store', 'queue', 'searchIndex', 'embedder'])
  t.same(body.parts.map((p: { adapter: string }) => p.adapter), ['pglite', 'in-process', 'embedded', 'transformers.js'])
  for (const p of body.parts) t.type(p.latencyMs, 'number', `${p.part} has a latency`)
  const store = body.parts.find((p: { part: string }) => p.part === 'store')
  t.equal(store.status, 'up')
  if (app.parts.embedder.available) {
    t.equal(res.statusCode, 200)
    t.equal(body.status, 'ready')
    t.equal(body.semanticMatching, true)
  } else {
    t.fail(`model not provisioned in ${modelsDir}: run npm run models:provision`)
  }
})

t.test('without a model the service still starts, says semantic matching is off, and is degraded', async (t) => {
  const app = await buildServer({ config: loadConfig({ DATA_DIR: await tempDir(t), MODELS_DIR: await tempDir(t), EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false', DEMO_DATA: 'false' }) })
  t.teardown(() => app.close())
  await app.parts.modelReady
  const res = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.status, 'degraded')
  t.equal(body.semanticMatching, false)
  const embedder = body.parts.find((p: { part: string }) => p.part === 'embedder')
  t.equal(embedder.status, 'off')
  t.match(embedder.detail, /not provisioned/)
})

t.test('a search index that does not answer makes the service unavailable (503)', async (t) => {
  // A closed loopback port: a real connection refusal, not a mock.
  const app = await buildServer({ config: loadConfig({ DATA_DIR: await tempDir(t), MODELS_DIR: await tempDir(t), EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false', DEMO_DATA: 'false', ELASTICSEARCH_URL: 'http://127.0.0.1:1' }) })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().status, 'unavailable')
  const index = res.json().parts.find((p: { part: string }) => p.part === 'searchIndex')
  t.equal(index.status, 'down')
  t.equal(index.adapter, 'elasticsearch')
})

t.test('unknown routes get a 404 that names the route', async (t) => {
  const app = await buildServer({ config: loadConfig({ DATA_DIR: await tempDir(t), MODELS_DIR: await tempDir(t), EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false', DEMO_DATA: 'false' }) })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/v1/nothing?x=1' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().message, 'no route GET /v1/nothing')
})
