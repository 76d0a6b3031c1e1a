// The soak: SOAK_SECONDS (default 600) of mixed writes, deletes, bulk imports, partner matches and
// searches at SOAK_CONCURRENCY (16) against the API on Postgres + Redis + Elasticsearch, with the
// indexing worker killed (SIGKILL) and started again every SOAK_KILL_EVERY_S (60) seconds; then a
// full consistency check: every accepted record readable at its latest version, indexed exactly
// once at its latest revision, deleted records absent from the index. Writes a JSON summary
// (bench/results/soak.json) and exits non-zero when anything was lost, duplicated or left stale.
//
//   npm run es:start && npm run soak
//
// Every write carries a version from one counter that only grows, so for each record the accepted
// write with the highest version is the state it must end in, whatever order the writes landed in.
// A request that failed without an answer may or may not have landed: a record whose highest
// version was such a request is reported as uncertain and left out of the check.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { Client } from '@elastic/elasticsearch'
import { freshDatabase } from './lib/database.ts'
import { spawnServer } from './lib/server-process.ts'
import { report } from './lib/report.ts'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600)
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16)
const KILL_EVERY_S = Number(process.env.SOAK_KILL_EVERY_S ?? 60)
const IDS = Number(process.env.SOAK_IDS ?? 2000)
const ES_URL = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`)

const WORDS = ['robotica collaborativa', 'manutenzione predittiva', 'sensori IoT', 'visione artificiale', 'idrogeno verde', 'riciclo batterie',
  'gemelli digitali', 'cybersecurity industriale', 'materiali compositi', 'telemedicina', 'agritech', 'logistica urbana']
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T
const org = (i: number, version: number) => ({
  name: `Impresa Soak ${i}`,
  kind: 'company',
  country: 'IT',
  region: 'Lombardia',
  description: `Azienda che lavora su ${pick(WORDS)} e ${pick(WORDS)}, revisione ${version}.`,
  competencies: [pick(WORDS), pick(WORDS)],
  version
})

const run = randomUUID().slice(0, 8)
const db = await freshDatabase('soak')
const prefix = `soak-${run}-`
const env = {
  DATABASE_URL: db.url,
  REDIS_URL,
  ELASTICSEARCH_URL: ES_URL,
  INDEX_PREFIX: prefix,
  QUEUE_NAME: `soak-${run}`,
  EMBEDDING_MODEL: process.env.EMBEDDING_MODEL ?? 'all-minilm-l6-v2',
  EMBEDDING_ALLOW_REMOTE: 'false',
  OUTBOX_LEASE_MS: '10000',
  RATE_LIMIT_MAX: '0',
  FREE_TEXT_CONCURRENCY: String(CONCURRENCY),
  LOG_LEVEL: 'warn'
}
const es = new Client({ node: ES_URL })
const server = await spawnServer({ ...env, RUN_WORKERS: 'false' })
const base = `http://127.0.0.1:${server.port}`

let worker: ChildProcess | null = null
let kills = 0
const startWorker = () => {
  worker = spawn(process.execPath, ['--import', 'tsx', 'workers/worker.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
}
startWorker()

/** Per record: the write with the highest version that got an answer, and whether a later-versioned write went unanswered. */
const ledger = new Map<string, { version: number, deleted: boolean, uncertain: boolean }>()
let nextVersion = 1
const counts = new Map<string, number>()
const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1)
const note = (id: string, version: number, deleted: boolean, answered: boolean) => {
  const e = ledger.get(id)
  if (e && e.version > version) return
  ledger.set(id, answered ? { version, deleted, uncertain: false } : { version: e?.version ?? 0, deleted: e?.deleted ?? true, uncertain: true })
}

async function call (kind: string, url: string, init: RequestInit = {}): Promise<Response | null> {
  try {
    const res = await fetch(`${base}${url}`, { ...init, signal: AbortSignal.timeout(30_000) })
    count(`${kind} ${res.status}`)
    return res
  } catch (err) {
    count(`${kind} no answer (${(err as Error).name})`)
    return null
  }
}

async function step (): Promise<void> {
  const r = Math.random()
  const i = Math.floor(Math.random() * IDS)
  const id = `s-${i}`
  if (r < 0.35) {
    const version = nextVersion++
    const res = await call('put', `/v1/organizations/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(org(i, version)) })
    if (!res || res.status >= 500) note(id, version, false, false)
    else if (res.status < 300) note(id, version, false, true)
  } else if (r < 0.43) {
    const version = nextVersion++
    const res = await call('delete', `/v1/organizations/${id}?version=${version}`, { method: 'DELETE' })
    if (!res || res.status >= 500) note(id, version, true, false)
    // 404: never written, but a versioned delete leaves a tombstone all the same.
    else if (res.status === 200 || res.status === 404) note(id, version, true, true)
  } else if (r < 0.50) {
    const lines = Array.from({ length: 50 }, () => {
      const j = Math.floor(Math.random() * IDS)
      const version = nextVersion++
      return Math.random() < 0.1
        ? { op: 'delete', kind: 'organizations', id: `s-${j}`, version }
        : { op: 'upsert', kind: 'organizations', id: `s-${j}`, record: org(j, version) }
    })
    // One record twice in a file is fine: the higher version wins, as it does across requests.
    const res = await call('bulk', '/v1/bulk', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' })
    const ok = res !== null && res.status === 200 && (await res.json() as { failed: number }).failed === 0
    for (const l of lines) {
      const version = l.op === 'delete' ? l.version as number : (l.record as { version: number }).version
      // A delete of a record never written answers not_found and stores nothing: as a tombstone it reads the same.
      note(l.id, version, l.op === 'delete', ok)
    }
  } else if (r < 0.75) {
    await call('match', '/v1/match/partners', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organizationId: id, limit: 10 }) })
  } else {
    await call('search', `/v1/search?q=${encodeURIComponent(pick(WORDS))}&kinds=organizations&limit=10`)
  }
}

log(`soak ${run}: ${SECONDS} s at concurrency ${CONCURRENCY} on ${base}, worker killed every ${KILL_EVERY_S} s`)
const started = Date.now()
const killer = setInterval(() => {
  worker?.kill('SIGKILL')
  kills++
  log(`worker killed (${kills}); starting another`)
  startWorker()
}, KILL_EVERY_S * 1000)
const progress = setInterval(() => log(`${Math.round((Date.now() - started) / 1000)} s: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}`), 30_000)
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (Date.now() - started < SECONDS * 1000) await step()
}))
clearInterval(killer)
clearInterval(progress)
log('load done; waiting for the index to catch up')

// Drain: every accepted write indexed.
const drainStarted = Date.now()
for (;;) {
  const status = await (await fetch(`${base}/v1/status`)).json() as { kinds: Array<{ kind: string, pendingOutbox: number, inSync: boolean }> }
  const orgs = status.kinds.find((k) => k.kind === 'organizations')
  if (orgs?.inSync && orgs.pendingOutbox === 0) break
  if (Date.now() - drainStarted > 600_000) throw new Error(`not in sync after 10 minutes: ${JSON.stringify(orgs)}`)
  await new Promise((resolve) => setTimeout(resolve, 2000))
}
const drainMs = Date.now() - drainStarted
await es.indices.refresh({ index: `${prefix}*` })

// The check.
const store = new pg.Client({ connectionString: db.url })
await store.connect()
const rows = new Map((await store.query<{ id: string, revision: string, version: string | null, deleted: boolean }>("select id, revision, version, deleted from records where kind = 'organizations'")).rows.map((r) => [r.id, r]))
let lost = 0
let wrongVersion = 0
let uncertain = 0
const problems: string[] = []
for (const [id, e] of ledger) {
  if (e.uncertain) { uncertain++; continue }
  const res = await fetch(`${base}/v1/organizations/${id}`)
  if (e.deleted) {
    if (res.status !== 404) { lost++; problems.push(`${id}: deleted at ${e.version}, reads ${res.status}`) }
  } else if (res.status !== 200) {
    lost++; problems.push(`${id}: written at ${e.version}, reads ${res.status}`)
  } else {
    const body = await res.json() as { version: number }
    if (body.version !== e.version) { wrongVersion++; problems.push(`${id}: written at ${e.version}, reads version ${body.version}`) }
  }
}
const live = [...rows.values()].filter((r) => !r.deleted)
const dead = [...rows.values()].filter((r) => r.deleted)
const alias = `${prefix}organizations`
const indexed = await es.count({ index: alias })
let staleInIndex = 0
let tombstonesInIndex = 0
let missingFromIndex = 0
const all = [...rows.values()]
for (let k = 0; k < all.length; k += 500) {
  const chunk = all.slice(k, k + 500)
  const got = await es.mget({ index: alias, ids: chunk.map((r) => r.id), _source: false })
  got.docs.forEach((d, j) => {
    const r = chunk[j] as { id: string, revision: string, deleted: boolean }
    const found = 'found' in d && d.found
    if (r.deleted && found) { tombstonesInIndex++; problems.push(`${r.id}: deleted, still in the index`) }
    if (!r.deleted && !found) { missingFromIndex++; problems.push(`${r.id}: live, not in the index`) }
    if (!r.deleted && found && '_version' in d && d._version !== Number(r.revision)) { staleInIndex++; problems.push(`${r.id}: index at ${d._version}, store at ${r.revision}`) }
  })
}
await store.end()

const summary = {
  seconds: SECONDS,
  concurrency: CONCURRENCY,
  workerKills: kills,
  requests: Object.fromEntries([...counts].sort()),
  serverErrors: [...counts].filter(([k]) => / 5\d\d$/.test(k)).reduce((a, [, n]) => a + n, 0),
  unanswered: [...counts].filter(([k]) => k.includes('no answer')).reduce((a, [, n]) => a + n, 0),
  records: { touched: ledger.size, checked: ledger.size - uncertain, uncertain, live: live.length, deleted: dead.length },
  lost,
  wrongVersion,
  // Documents beyond the live records found by id (an id is unique in an index: any extra would be
  // a document under another id, or a deleted record's).
  index: { documents: indexed.count, extra: indexed.count - (live.length - missingFromIndex), missing: missingFromIndex, stale: staleInIndex, tombstonesPresent: tombstonesInIndex },
  drainSeconds: Math.round(drainMs / 1000),
  problems: problems.slice(0, 50)
}
const ok = lost === 0 && wrongVersion === 0 && summary.index.extra === 0 && missingFromIndex === 0 && staleInIndex === 0 && tombstonesInIndex === 0 && indexed.count === live.length
await report('soak', [
  { what: 'requests', value: Object.values(summary.requests).reduce((a, n) => a + n, 0) },
  { what: '5xx answers', value: summary.serverErrors },
  { what: 'unanswered', value: summary.unanswered },
  { what: 'worker kills', value: kills },
  { what: 'records checked (uncertain)', value: `${summary.records.checked} (${uncertain})` },
  { what: 'lost or wrong version', value: lost + wrongVersion },
  { what: 'index: documents / live records', value: `${indexed.count} / ${live.length}` },
  { what: 'index: extra, missing, stale, tombstones', value: `${summary.index.extra}, ${missingFromIndex}, ${staleInIndex}, ${tombstonesInIndex}` },
  { what: 'drain after load (s)', value: summary.drainSeconds },
  { what: 'verdict', value: ok ? 'consistent' : 'INCONSISTENT' }
], { summary })

const lastWorker = worker as ChildProcess | null
lastWorker?.kill('SIGKILL')
await server.stop()
await es.indices.delete({ index: `${prefix}*` }).catch(() => {})
await es.close()
await db.drop()
process.exit(ok ? 0 : 1)
