import type { Readable } from 'node:stream'
import { sql, type Kysely, type Transaction } from 'kysely'
import type { ValidateFunction } from 'ajv'
import type { Database } from '../store/schema.ts'
import { KINDS, KIND_SCHEMAS, isKind, type Kind } from '../domain/kinds.ts'
import { ID_PATTERN, MAX_VERSION } from '../domain/common.ts'
import { compileBody } from '../validation.ts'
import { RecordRepository, type WriteOutcome } from './record-repository.ts'
import { ndjsonLines } from './ndjson-lines.ts'
import { retryTransaction } from '../store/retry-transaction.ts'

export interface BulkLineError { line: number, field: string, problem: string }

export interface BulkSummary {
  lines: number
  created: number
  updated: number
  unchanged: number
  stale: number
  deleted: number
  notFound: number
  failed: number
  /** The first `maxErrors` problems, each naming its line and field. */
  errors: BulkLineError[]
  durationMs: number
}

/**
 * A check of each upsert beyond its schema, before it is written (the collaboration graph's limits):
 * a refusal is reported as that line's error and the line is skipped. Asked once per line, in order.
 */
export type Admit = (kind: Kind, id: string, record: Record<string, unknown>) => { field: string, problem: string } | null

type Line =
  | { op: 'upsert', kind: Kind, id: string, record: Record<string, unknown> }
  | { op: 'delete', kind: Kind, id: string, version?: number }

const validators = new Map<Kind, ValidateFunction>(KINDS.map((k) => [k, compileBody(KIND_SCHEMAS[k])]))
const idPattern = new RegExp(ID_PATTERN)

/**
 * Imports an NDJSON stream of upserts and deletes of any kind:
 *   {"op":"upsert","kind":"organizations","id":"o1","record":{...}}
 *   {"op":"delete","kind":"people","id":"p1","version":7}
 * Lines are read one at a time and committed in transactions of `batchSize`, so memory stays flat
 * whatever the size of the import. A bad line is reported (line number, field, problem) and skipped;
 * the good lines land. Versions make a replay of the same file change nothing.
 */
export async function importNdjson (db: Kysely<Database>, input: Readable, options: { batchSize?: number, maxErrors?: number, maxLineBytes?: number, onCommit?: () => void, repository?: RecordRepository, admit?: Admit } = {}): Promise<BulkSummary> {
  const started = performance.now()
  const batchSize = options.batchSize ?? 500
  const maxErrors = options.maxErrors ?? 1000
  const repo = options.repository ?? new RecordRepository(db)
  const summary: BulkSummary = { lines: 0, created: 0, updated: 0, unchanged: 0, stale: 0, deleted: 0, notFound: 0, failed: 0, errors: [], durationMs: 0 }
  const fail = (line: number, field: string, problem: string) => {
    summary.failed++
    if (summary.errors.length < maxErrors) summary.errors.push({ line, field, problem })
  }
  const count = (outcome: WriteOutcome) => {
    if (outcome === 'not_found') summary.notFound++
    else summary[outcome]++
  }

  let batch: Array<Line & { n: number }> = []
  /** Writes lines in one transaction; returns their outcomes in order. */
  const write = (lines: Line[]) => retryTransaction(db, async (tx) => {
    // The lines of a batch are distinct records, so their upserts go in as one set and the
    // deletes (rare) one by one, in the same transaction.
    // Every record of the batch is locked first, in one order shared by all imports (a hash of its
    // key): imports that upsert and delete overlapping records would otherwise lock them in
    // different orders (the upserts in key order, then the deletes) and deadlock.
    await lockRecords(tx, lines)
    const upserts = lines.flatMap((l) => l.op === 'upsert' ? [RecordRepository.writeOf(l.kind, l.id, l.record)] : [])
    const out = (await repo.putManyIn(tx, upserts)).map((r) => r.outcome)
    for (const l of lines) if (l.op === 'delete') out.push((await repo.deleteIn(tx, l.kind, l.id, l.version)).outcome)
    return out
  })
  const flush = async () => {
    if (batch.length === 0) return
    const lines = batch
    batch = []
    try {
      (await write(lines)).forEach(count)
    } catch (err) {
      // A value the store refuses that validation let through: find the line line by line, so
      // that it is reported and every other line of the batch still lands.
      if (!isDataError(err)) throw err
      for (const l of lines) {
        try {
          (await write([l])).forEach(count)
        } catch (lineErr) {
          if (!isDataError(lineErr)) throw lineErr
          fail(l.n, 'record', `could not be stored: ${(lineErr as Error).message}`)
        }
      }
    }
    options.onCommit?.()
  }

  const maxLineBytes = options.maxLineBytes ?? 1024 * 1024
  for await (const { n, text: raw, tooLong } of ndjsonLines(input, maxLineBytes)) {
    if (tooLong !== undefined) {
      summary.lines++
      fail(n, 'line', `is ${tooLong} bytes long; the most a line may have is ${maxLineBytes} (BULK_MAX_LINE_BYTES)`)
      continue
    }
    if (raw.trim() === '') continue
    summary.lines++
    const parsed = parseLine(raw, n, fail)
    if (!parsed) continue
    const refused = parsed.op === 'upsert' ? options.admit?.(parsed.kind, parsed.id, parsed.record) : null
    if (refused) { fail(n, refused.field, refused.problem); continue }
    // The same record twice in one batch: commit the first before the second is compared with it.
    if (batch.some((b) => b.kind === parsed.kind && b.id === parsed.id)) await flush()
    batch.push({ ...parsed, n })
    if (batch.length >= batchSize) await flush()
  }
  await flush()
  summary.durationMs = Math.round(performance.now() - started)
  return summary
}

function parseLine (raw: string, n: number, fail: (line: number, field: string, problem: string) => void): Line | null {
  let value: any
  try {
    value = JSON.parse(raw)
  } catch (err) {
    fail(n, 'line', `is not valid JSON: ${(err as Error).message}`)
    return null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) { fail(n, 'line', 'must be a JSON object'); return null }
  if (value.op !== 'upsert' && value.op !== 'delete') { fail(n, 'op', 'must be "upsert" or "delete"'); return null }
  if (!isKind(value.kind)) { fail(n, 'kind', `must be one of ${KINDS.join(', ')}`); return null }
  if (typeof value.id !== 'string' || !idPattern.test(value.id)) { fail(n, 'id', `must match ${ID_PATTERN}`); return null }
  if (value.op === 'delete') {
    if (value.version !== undefined && (!Number.isSafeInteger(value.version) || value.version < 0 || value.version > MAX_VERSION)) { fail(n, 'version', `must be an integer from 0 to ${MAX_VERSION}`); return null }
    return { op: 'delete', kind: value.kind, id: value.id, version: value.version }
  }
  const record = value.record as Record<string, unknown>
  const validate = validators.get(value.kind) as ValidateFunction
  if (!validate(record)) {
    const e = validate.errors?.[0]
    const path = (e?.instancePath ?? '').split('/').filter(Boolean).join('.')
    const extra = e?.params as { additionalProperty?: string, missingProperty?: string } | undefined
    fail(n, ['record', path, extra?.additionalProperty ?? extra?.missingProperty].filter(Boolean).join('.'), e?.message ?? 'is invalid')
    return null
  }
  if (record.id !== undefined && record.id !== value.id) { fail(n, 'record.id', 'differs from the line id'); return null }
  return { op: 'upsert', kind: value.kind, id: value.id, record }
}

/** A Postgres data exception (SQLSTATE class 22: bad value, out of range, bad encoding): the line's fault, not the store's. */
function isDataError (err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' && code.startsWith('22')
}

/** Transaction-scoped advisory locks on the batch's record keys, taken in ascending hash order. */
async function lockRecords (tx: Transaction<Database>, lines: readonly Line[]): Promise<void> {
  const keys = JSON.stringify(lines.map((l) => `${l.kind}/${l.id}`))
  await sql`select pg_advisory_xact_lock(h) from (select distinct hashtextextended(k, 0) as h from jsonb_array_elements_text(${keys}::jsonb) as k) x order by h`.execute(tx)
}
