/**
 * Fetches the public data sets the benchmarks and the demo generator read into SHARED_DATA_DIR
 * (docs/data.md): `npm run data:fetch [-- options] [id ...]`.
 *
 *   --list       what each data set is, its licence, who reads it and whether it is present; fetches nothing
 *   --dry-run    what a fetch would do
 *   --force      fetch again what is present
 *   --dir DIR    the folder (default SHARED_DATA_DIR, else ../shared/data beside the repository)
 *
 * Each data set is fetched on its own: one that cannot be downloaded is reported with its source and
 * the error, and the others go on. The exit code is 1 when a data set asked for is still missing.
 */
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { DATA_SETS, type DataSet } from './sources.ts'

/** Same default as the benchmarks and fixtures/generate.ts. */
export const DEFAULT_DIR = process.env.SHARED_DATA_DIR ?? resolve(fileURLToPath(new URL('../..', import.meta.url)), '..', 'shared', 'data')

export type State = 'present' | 'partial' | 'missing'
export type Outcome = 'present' | 'fetched' | 'failed' | 'manual' | 'would fetch'

export interface Options {
  dir: string
  /** Data set ids; empty: all. */
  only?: string[]
  dryRun?: boolean
  force?: boolean
  /** The HTTP client (tests pass one that fails or serves local files). */
  fetchImpl?: typeof fetch
  /** Milliseconds to wait for a response to start. */
  connectTimeoutMs?: number
  log?: (line: string) => void
}

export interface Report { id: string, outcome: Outcome, message: string }

export function stateOf (set: DataSet, dir: string): State {
  const present = set.files.filter((f) => existsSync(join(dir, f))).length
  return present === set.files.length ? 'present' : present === 0 ? 'missing' : 'partial'
}

export function select (ids: string[] = []): DataSet[] {
  const unknown = ids.filter((id) => !DATA_SETS.some((s) => s.id === id))
  if (unknown.length) throw new Error(`unknown data set ${unknown.join(', ')}; known: ${DATA_SETS.map((s) => s.id).join(', ')}`)
  return ids.length ? DATA_SETS.filter((s) => ids.includes(s.id)) : DATA_SETS
}

/** One block per data set: what, licence, who reads it, where it comes from, and whether it is in `dir`. */
export function listing (dir: string, sets: DataSet[] = DATA_SETS): string {
  const out = [`SHARED_DATA_DIR: ${dir}`, '']
  for (const s of sets) {
    out.push(`${s.id} [${stateOf(s, dir)}]: ${s.title}`)
    out.push(`  licence: ${s.licence}`)
    out.push(`  used by: ${s.usedBy.join('; ')}`)
    out.push(`  source:  ${s.downloads?.length ? s.downloads.join(' ') : `by hand, ${s.home}`}`)
    out.push(`  files:   ${s.files.join(' ')}`)
    out.push('')
  }
  return out.join('\n')
}

function describe (err: unknown): string {
  const e = err as Error & { cause?: { code?: string, message?: string } }
  const cause = e.cause ? ` (${e.cause.code ?? e.cause.message ?? String(e.cause)})` : ''
  return `${e.message ?? String(err)}${cause}`
}

/** Downloads `url` into `folder`; an error says which URL and what went wrong. */
async function download (url: string, folder: string, fetchImpl: typeof fetch, connectTimeoutMs: number): Promise<string> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Error(`no response in ${connectTimeoutMs / 1000} s`)), connectTimeoutMs)
  let res: Response
  try {
    res = await fetchImpl(url, { signal: controller.signal, redirect: 'follow' })
  } catch (err) {
    throw new Error(`could not download ${url}: ${describe(err)}`)
  } finally {
    clearTimeout(timer)
  }
  if (!res.ok || !res.body) throw new Error(`could not download ${url}: HTTP ${res.status} ${res.statusText}`)
  const path = join(folder, `${Date.now()}-${url.split('/').pop() ?? 'download'}`)
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(path))
  } catch (err) {
    throw new Error(`download of ${url} broke off: ${describe(err)}`)
  }
  return path
}

/** Fetches the data sets asked for, each on its own; returns one report per data set. */
export async function fetchData (options: Options): Promise<Report[]> {
  const log = options.log ?? ((line: string) => console.log(line))
  const fetchImpl = options.fetchImpl ?? fetch
  const reports: Report[] = []
  const report = (id: string, outcome: Outcome, message: string) => {
    reports.push({ id, outcome, message })
    log(`${outcome === 'failed' ? '✗' : outcome === 'manual' ? '!' : '✓'} ${id}: ${message}`)
  }
  for (const set of select(options.only)) {
    const state = stateOf(set, options.dir)
    if (state === 'present' && !options.force) {
      report(set.id, 'present', `already in ${options.dir}`)
      continue
    }
    if (!set.build) {
      report(set.id, 'manual', `${set.title}: ${state}; ${set.manual ?? ''} (${set.home})`)
      continue
    }
    if (options.dryRun) {
      report(set.id, 'would fetch', `would download ${set.downloads?.join(', ')} and write ${set.files.join(', ')}`)
      continue
    }
    const started = Date.now()
    const temp = mkdtempSync(join(tmpdir(), `data-fetch-${set.id}-`))
    try {
      await set.build({ dir: options.dir, download: (url) => download(url, temp, fetchImpl, options.connectTimeoutMs ?? 30_000) })
      report(set.id, 'fetched', `${set.files.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s${set.note ? ` (note: ${set.note})` : ''}`)
    } catch (err) {
      report(set.id, 'failed', `${set.title}: ${describe(err)}`)
    } finally {
      rmSync(temp, { recursive: true, force: true })
    }
  }
  return reports
}

async function main (argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')))
  const dirAt = argv.indexOf('--dir')
  const dir = dirAt >= 0 && argv[dirAt + 1] ? resolve(argv[dirAt + 1]!) : DEFAULT_DIR
  const ids = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--dir')
  const sets = select(ids)
  if (flags.has('--list')) {
    console.log(listing(dir, sets))
    return 0
  }
  console.log(`SHARED_DATA_DIR: ${dir}${flags.has('--dry-run') ? ' (dry run)' : ''}`)
  const reports = await fetchData({ dir, only: ids, dryRun: flags.has('--dry-run'), force: flags.has('--force') })
  const missing = sets.filter((s) => stateOf(s, dir) !== 'present')
  if (!flags.has('--dry-run') && missing.length) {
    console.log(`\nstill missing: ${missing.map((s) => s.id).join(', ')} (docs/data.md says what each one is for; the service and \`npm test\` do not need them)`)
  }
  return flags.has('--dry-run') || reports.every((r) => r.outcome === 'present' || r.outcome === 'fetched') ? 0 : 1
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2)).catch((err: Error) => {
    console.error(err.message)
    return 2
  })
}
