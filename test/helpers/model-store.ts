import type { Test } from 'tap'
import type { Store } from '../../src/ports/store.ts'
import { createStore } from '../../src/store/create-store.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import type { Database } from '../../src/store/schema.ts'
import { modelSpec } from '../../src/embedding/model-catalog.ts'
import { isProvisioned, modelFolder } from '../../src/embedding/maven-provisioner.ts'
import { loadModel } from '../../src/embedding/load-model.ts'
import { TransformersEmbedder } from '../../src/embedding/transformers-embedder.ts'
import { modelsDir, onCleanup, requires, tempDir } from './services.ts'

/**
 * A migrated embedded store and a provisioned model in this process, both closed when the test ends;
 * null when the model is not provisioned (skipped off CI, a failure on CI).
 */
export async function storeAndModel (t: Test, model = 'all-minilm-l6-v2'): Promise<{ store: Store<Database>, embedder: TransformersEmbedder } | null> {
  const spec = modelSpec(model)
  if (!requires(t, await isProvisioned(modelFolder(modelsDir, spec)), `${model} is not provisioned`)) return null
  const store = await createStore<Database>({ dataDir: await tempDir(t) })
  onCleanup(t, () => store.close())
  await migrateToLatest(store.db)
  const embedder = new TransformersEmbedder()
  embedder.use(await loadModel({ spec, modelsDir, allowRemote: false, allowMaven: false, log: () => {} }))
  onCleanup(t, () => embedder.close())
  return { store, embedder }
}
