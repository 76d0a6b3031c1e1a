// Provisions the embedding models published on Maven Central into MODELS_DIR (default ./models),
// laid out as transformers.js expects. Usage: npm run models:provision [-- name ...]
import { loadConfig } from '../../config/load.ts'
import { mavenModels, modelSpec } from '../../src/embedding/model-catalog.ts'
import { isProvisioned, modelFolder, provisionFromMaven } from '../../src/embedding/maven-provisioner.ts'

const config = loadConfig()
const names = process.argv.slice(2)
const specs = names.length > 0 ? names.map((n) => modelSpec(n)) : mavenModels()
let failed = 0
for (const spec of specs) {
  const folder = modelFolder(config.MODELS_DIR, spec)
  if (await isProvisioned(folder)) {
    console.log(`${spec.name}: already in ${folder}`)
    continue
  }
  const started = Date.now()
  try {
    await provisionFromMaven(spec, config.MODELS_DIR, (line) => {
      if (/Download(ed|ing) from|ERROR/.test(line)) console.log(`  ${line.replace(/^\[INFO\]\s*/, '')}`)
    })
    console.log(`${spec.name}: provisioned into ${folder} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } catch (err) {
    failed++
    console.error(`${spec.name}: FAILED: ${(err as Error).message}`)
  }
}
process.exitCode = failed > 0 ? 1 : 0
