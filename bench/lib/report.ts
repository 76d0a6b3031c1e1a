import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { cpus, totalmem } from 'node:os'

/** Writes a benchmark's JSON result under bench/results and prints its table (only `columns`, when given). */
export async function report (name: string, rows: Array<Record<string, string | number>>, extra: Record<string, unknown> = {}, columns?: readonly string[]): Promise<string> {
  const file = join(dirname(new URL(import.meta.url).pathname), '..', 'results', `${name}.json`)
  await mkdir(dirname(file), { recursive: true })
  const result = {
    benchmark: name,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    ...extra,
    rows
  }
  await writeFile(file, JSON.stringify(result, null, 2) + '\n')
  console.table(columns ? rows.map((r) => Object.fromEntries(columns.filter((c) => c in r).map((c) => [c, r[c]]))) : rows)
  console.log(`result: ${file}`)
  return file
}
