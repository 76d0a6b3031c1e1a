import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * An HNSW graph on disk, beside the store: `<name>.<sha>.hnsw` (hnswlib's own format, named by the
 * SHA-256 of its bytes) and `<name>.json`, which names that file and says what the graph was built
 * from. The .json is renamed into place last, so a reader sees the old pair or the new one, never half.
 *
 * Why the key is enough: the graph is written only when every change of its column has been applied
 * to it, and `data` is the SHA-256 of every label, the id it stands for and the exact 384 floats of that
 * id's vector. At load the same digest is computed over the column the store has just refilled. Any
 * record added, removed or changed while the service was down, vectors of another model (other numbers,
 * or other dimensions), another data directory's graph, or a graph of another kind or facet give another
 * digest, and the graph is ignored. `file` checks the graph file's own bytes: a truncated or corrupt
 * file, or a .json paired with another file, is ignored too (hnswlib would otherwise read it blindly).
 */
export interface GraphMeta {
  format: typeof FORMAT
  space: 'ip'
  dims: number
  m: number
  efConstruction: number
  /** Each graph label's id; null for a removed one (marked deleted in the graph, free for reuse). */
  labels: Array<string | null>
  /** dataDigest() of the labels and vectors the graph holds. */
  data: string
  /** SHA-256 of the graph file, and its size. */
  file: string
  bytes: number
  writtenAt: string
}

const FORMAT = 1

/** SHA-256 over every label, its id and the id's vector (null: an id without a vector, which no graph of this column can match). */
export function dataDigest (dims: number, labels: ReadonlyArray<string | null>, vectorOf: (id: string) => Float32Array | undefined): string | null {
  const hash = createHash('sha256').update(`hnsw-data ${FORMAT} ${dims} ${labels.length}\n`)
  for (let label = 0; label < labels.length; label++) {
    const id = labels[label]
    if (id === null || id === undefined) { hash.update(`${label}\0-\n`); continue }
    const v = vectorOf(id)
    if (!v || v.length !== dims) return null
    hash.update(`${label}\0${id}\0`).update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
  }
  return hash.digest('hex')
}

/**
 * Read in one go (one turn of the event loop, where a stream of 1 MiB chunks waited for ~20 turns a
 * graph behind the start's other work), hashed in one call (about 0.05 s for the largest, 20 MiB).
 */
async function fileDigest (path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex')
}

/**
 * Writes a graph: `write` saves it to a temporary path (hnswlib's writeIndex, off the event loop),
 * which is hashed and renamed, then the .json; graph files of this name no longer named are removed.
 * Returns the bytes written.
 */
export async function writeGraph (dir: string, name: string, meta: Omit<GraphMeta, 'format' | 'file' | 'bytes' | 'writtenAt'>, write: (path: string) => Promise<unknown>): Promise<number> {
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `${name}.${process.pid}.${Date.now()}.tmp`)
  try {
    await write(tmp)
    const file = await fileDigest(tmp)
    const bytes = (await stat(tmp)).size
    const graphName = `${name}.${file.slice(0, 16)}.hnsw`
    await rename(tmp, join(dir, graphName))
    const full: GraphMeta = { format: FORMAT, ...meta, file, bytes, writtenAt: new Date().toISOString() }
    await writeFile(`${tmp}.json`, JSON.stringify(full))
    await rename(`${tmp}.json`, join(dir, `${name}.json`))
    for (const f of await readdir(dir)) {
      if (!f.startsWith(`${name}.`) || f === graphName) continue
      // Older graphs of this name; and temporary files of a process killed while writing (an hour old).
      const old = f.endsWith('.hnsw') || (/\.tmp(\.json)?$/.test(f) && !f.startsWith(tmp.slice(dir.length + 1)) &&
        await stat(join(dir, f)).then((s) => Date.now() - s.mtimeMs > 3_600_000, () => false))
      if (old) await rm(join(dir, f), { force: true })
    }
    return bytes
  } finally {
    await rm(tmp, { force: true })
    await rm(`${tmp}.json`, { force: true })
  }
}

/** A graph's .json and the path of its file once its bytes are checked, or why it cannot be used. */
export async function readGraph (dir: string, name: string, expect: { dims: number, m: number, efConstruction: number }): Promise<{ meta: GraphMeta, path: string } | { rejected: string }> {
  let meta: GraphMeta
  try {
    meta = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as GraphMeta
  } catch (err) {
    return { rejected: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no graph written yet' : `unreadable ${name}.json (${(err as Error).message})` }
  }
  if (meta.format !== FORMAT || meta.space !== 'ip' || !Array.isArray(meta.labels) || typeof meta.file !== 'string') return { rejected: `${name}.json is not a graph description of format ${FORMAT}` }
  for (const k of ['dims', 'm', 'efConstruction'] as const) {
    if (meta[k] !== expect[k]) return { rejected: `built with ${k} ${meta[k]}, the column has ${expect[k]}` }
  }
  const path = join(dir, `${name}.${meta.file.slice(0, 16)}.hnsw`)
  const size = await stat(path).then((s) => s.size, () => -1)
  if (size < 0) return { rejected: `graph file ${name}.${meta.file.slice(0, 16)}.hnsw is missing` }
  if (size !== meta.bytes) return { rejected: `graph file of ${size} bytes, ${meta.bytes} written (truncated or replaced)` }
  if (await fileDigest(path) !== meta.file) return { rejected: 'graph file does not match its SHA-256 (corrupt or replaced)' }
  return { meta, path }
}
