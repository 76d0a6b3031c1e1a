// Accepting a large NDJSON import (default 1M records) through `POST /v1/bulk` on a real HTTP server
// process, with embedding left to catch up later (the API runs with RUN_WORKERS=false; `npm run worker`
// processes do the embedding). Reports the accept rate and the API process's peak RSS, beside a
// baseline: the same lines written straight into Postgres by a bare batched INSERT (no HTTP,
// validation, versions or outbox) in this process.
// Usage: npm run bench:accept   (env: BENCH_RECORDS=1000000, BENCH_BACKEND=postgres|embedded)
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { createInterface } from 'node:readline'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import pg from 'pg'
import { generateRecords } from '../fixtures/generate.ts'
import { spawnServer } from './lib/server-process.ts'
import { report } from './lib/report.ts'
import { freshDatabase } from './lib/database.ts'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000)
const BACKEND = process.env.BENCH_BACKEND ?? 'postgres'
const KEY = 'bench-write-key-0123456789'

const work = await mkdtemp(join(tmpdir(), 'bench-accept-'))
const file = join(work, 'import.ndjson')
let started = performance.now()
const out = createWriteStream(file)
for await (const line of generateRecords({ records: RECORDS, seed: 7 })) {
  if (!out.write(JSON.stringify(line) + '\n')) await once(out, 'drain')
}
out.end()
await once(out, 'finish')
const bytes = (await stat(file)).size
console.log(`generated ${RECORDS} lines (${(bytes / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`)

// Baseline: bare batched INSERTs of the same rows into the same table shape.
async function baseline (): Promise<number> {
  const db = await freshDatabase('accept_base')
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  await client.query('create table records (kind text, id text, version bigint, visibility text, deleted boolean default false, body jsonb, updated_at timestamptz default now(), primary key (kind, id))')
  const t0 = performance.now()
  let batch: unknown[][] = []
  const flush = async () => {
    if (batch.length === 0) return
    const params: unknown[] = []
    const values = batch.map((r, i) => { params.push(...r); return `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5}::jsonb)` })
    await client.query(`insert into records (kind, id, version, visibility, body) values ${values.join(',')} on conflict do nothing`, params)
    batch = []
  }
  for await (const line of createInterface({ input: createReadStream(file) })) {
    const o = JSON.parse(line)
    if (o.op !== 'upsert') continue
    batch.push([o.kind, o.id, o.record.version ?? 1, o.record.visibility ?? 'public', JSON.stringify({ ...o.record, id: o.id })])
    if (batch.length >= 500) await flush()
  }
  await flush()
  const seconds = (performance.now() - t0) / 1000
  await client.end()
  await db.drop()
  return RECORDS / seconds
}

async function throughApi (): Promise<{ rate: number, peakRssMiB: number, summary: Record<string, unknown>, timeline: Array<{ s: number, rssMiB: number }> }> {
  const db = BACKEND === 'postgres' ? await freshDatabase('accept_api') : null
  const env: Record<string, string> = { RUN_WORKERS: 'false', API_KEYS: `${KEY}:write`, LOG_LEVEL: 'warn', DATA_DIR: join(work, 'data'), EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_ALLOW_MAVEN: 'false' }
  if (db) env.DATABASE_URL = db.url
  const server = await spawnServer(env)
  const t0 = performance.now()
  let peak = 0
  // RSS every 100 ms; one point per 5 s kept as a timeline (does it grow with the import or level off?).
  const timeline: Array<{ s: number, rssMiB: number }> = []
  const sampler = setInterval(async () => {
    const status = await readFile(`/proc/${server.pid}/status`, 'utf8').catch(() => '')
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
    if (rss > peak) peak = rss
    const s = Math.round((performance.now() - t0) / 1000)
    if (s >= (timeline.length ? (timeline.at(-1) as { s: number }).s + 5 : 0)) timeline.push({ s, rssMiB: Math.round(rss) })
  }, 100)
  const summary = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/v1/bulk', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${KEY}` } }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${res.statusCode}: ${body}`)))
    })
    req.on('error', reject)
    createReadStream(file).pipe(req)
  })
  const seconds = (performance.now() - t0) / 1000
  clearInterval(sampler)
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(await readFile(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
  await server.stop()
  await db?.drop()
  return { rate: RECORDS / seconds, peakRssMiB: Math.max(peak, hwm), summary, timeline }
}

started = performance.now()
const api = await throughApi()
const base = BACKEND === 'postgres' ? await baseline() : NaN
await report(`accept-${BACKEND}`, [{
  backend: BACKEND,
  records: RECORDS,
  'MiB sent': Math.round(bytes / 2 ** 20),
  'api records/s': Math.round(api.rate),
  'bare insert records/s': Number.isNaN(base) ? 'n/a' : Math.round(base),
  'api/bare': Number.isNaN(base) ? 'n/a' : Math.round((api.rate / base) * 1000) / 1000,
  'api peak RSS MiB': Math.round(api.peakRssMiB)
}], { summary: api.summary, rssTimeline: api.timeline, note: 'API started with RUN_WORKERS=false: embedding catches up later in worker processes.' })
await rm(work, { recursive: true, force: true })
