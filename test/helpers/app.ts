import type { Test } from 'tap'
import { loadConfig } from '../../config/load.ts'
import { buildServer } from '../../src/build.ts'
import { modelsDir, onCleanup, tempDir } from './services.ts'

export const KEYS = {
  read: 'read-key-0123456789abcdef',
  write: 'write-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdef'
}

/** A full app on the embedded defaults (or on the services named in `env`), closed when the test ends. */
export async function testApp (t: Test, env: Record<string, string> = {}) {
  const config = loadConfig({
    DATA_DIR: await tempDir(t),
    MODELS_DIR: modelsDir,
    EMBEDDING_MODEL: 'all-minilm-l6-v2',
    EMBEDDING_ALLOW_REMOTE: 'false',
    EMBEDDING_ALLOW_MAVEN: 'false',
    API_KEYS: `${KEYS.read}:read,${KEYS.write}:write,${KEYS.admin}:admin`,
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    ...env
  })
  const app = await buildServer({ config })
  onCleanup(t, () => app.close())
  return app
}

export const auth = (scope: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[scope]}` })

/** Polls until `check` is true or fails the wait after `ms`. */
export async function eventually (check: () => Promise<boolean>, ms = 30_000, what = 'condition'): Promise<void> {
  const started = Date.now()
  while (Date.now() - started < ms) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`)
}
