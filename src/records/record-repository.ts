import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../store/schema.ts'
import { retryTransaction } from '../store/retry-transaction.ts'
import type { Kind } from '../domain/kinds.ts'
import { PROJECT_CHANGES, RECORD_CHANGES } from '../store/channels.ts'
import { recordKey, type RecordCache } from './record-cache.ts'

/** What happened to a write. `stale`: older than (or as old as, with other content) the stored version. */
export type WriteOutcome = 'created' | 'updated' | 'unchanged' | 'stale' | 'deleted' | 'not_found'

export interface WriteResult {
  outcome: WriteOutcome
  /** The portal's version of the record after the write (null: never given one). */
  version: number | null
  /** The engine's revision of the record after the write (what the search index holds). */
  revision: number
  /** The stored version when a versioned write was refused. */
  storedVersion?: number
}

export interface StoredRecord {
  kind: Kind
  id: string
  version: number | null
  revision: number
  visibility: string
  body: Record<string, unknown>
  updatedAt: string
}

/** One upsert of a batch: `body` is what is stored (with `id`); `version` null for an unversioned write. */
export interface RecordWrite {
  kind: Kind
  id: string
  version: number | null
  body: Record<string, unknown>
}

/**
 * Writes records and their outbox rows in one transaction. The version scheme (docs/api.md):
 * - A write carrying `version` (or `updatedAt`, read as milliseconds since 1970) is applied only if
 *   it is newer than the stored version: the newest wins whatever order writes arrive in, and a
 *   replay changes nothing.
 * - A write or delete without either is applied as it comes and leaves the stored version as it
 *   is: the engine never invents a version, so no later versioned write can find itself locked out.
 * - Each applied change gives the record a new revision, greatest(revision + 1, version): that is
 *   what the index orders its operations by. It follows the portal's version when there is one,
 *   and is always positive and increasing, even for an `updatedAt` before 1970.
 */
export class RecordRepository {
  /** `cache`: keeps the records `get` reads (record-cache.ts); every write announces its change whether or not this repository caches. */
  constructor (private readonly db: Kysely<Database>, private readonly cache: RecordCache | null = null) {}

  /** The portal's version a write carries: `version`, else `updatedAt` in ms, else null. */
  static versionOf (body: { version?: unknown, updatedAt?: unknown }): number | null {
    if (typeof body.version === 'number') return body.version
    if (typeof body.updatedAt === 'string') {
      const ms = Date.parse(body.updatedAt)
      if (!Number.isFinite(ms)) throw new Error(`updatedAt "${body.updatedAt}" is not an instant`)
      return ms
    }
    return null
  }

  /** The write of one record as received: its version and the body to store. */
  static writeOf (kind: Kind, id: string, record: Record<string, unknown>): RecordWrite {
    return { kind, id, version: RecordRepository.versionOf(record), body: { ...record, id } }
  }

  async put (kind: Kind, id: string, body: Record<string, unknown>): Promise<WriteResult> {
    const write = RecordRepository.writeOf(kind, id, body)
    return retryTransaction(this.db, async (tx) => (await this.putManyIn(tx, [write]))[0] as WriteResult)
  }

  /** Same as `put`, inside a caller's transaction: a batch of one. */
  async putIn (tx: Transaction<Database>, kind: Kind, id: string, version: number | null, body: Record<string, unknown>): Promise<WriteResult> {
    return (await this.putManyIn(tx, [{ kind, id, version, body }]))[0] as WriteResult
  }

  /**
   * Upserts a batch of distinct records in a handful of statements whatever its size: one
   * upsert that also queues the outbox rows and reports what it ignored, then the projects'
   * participants and notifications. With two to five statements per record a bulk import spent
   * its time in round trips (1,305 records/s on Postgres at 100k records, bench/accept.ts). Results are in the
   * order of `writes`; the same record twice in one batch is refused (the import commits the first
   * before it reads the second).
   */
  async putManyIn (tx: Transaction<Database>, writes: readonly RecordWrite[]): Promise<WriteResult[]> {
    if (writes.length === 0) return []
    const keys = new Set(writes.map((w) => `${w.kind}/${w.id}`))
    if (keys.size < writes.length) throw new Error('putManyIn: the same record twice in one batch')
    this.cache?.writing([...keys])
    const input = JSON.stringify(writes.map((w) => ({ kind: w.kind, id: w.id, version: w.version, visibility: String(w.body.visibility ?? 'public'), body: w.body })))
    // Rows are locked in key order: two imports upserting the same records wait for each other
    // rather than deadlock.
    // A versioned write wins over a stored row without a version or with an older one; an
    // unversioned write wins unless it would change nothing.
    // The final select reads `records` as it was before this statement: for an ignored write, the
    // stored row it lost to, for a written one whether it was a tombstone. Bodies are compared
    // without `version`, which rows written before migration 0006 carry in their body.
    const result = await sql<{ kind: string, id: string, written: boolean, inserted: boolean | null, revision: string | null, version: string | null, stored_version: string | null, stored_revision: string | null, deleted: boolean | null, same: boolean | null }>`
      with input as (
        select * from jsonb_to_recordset(${input}::jsonb) as x(kind text, id text, version bigint, visibility text, body jsonb)
      ), written as (
        insert into records (kind, id, version, revision, visibility, deleted, body, updated_at)
        select kind, id, version, greatest(1, version), visibility, false, body, now() from input order by kind, id
        on conflict (kind, id) do update
          set version = coalesce(excluded.version, records.version),
              revision = greatest(records.revision + 1, excluded.version),
              visibility = excluded.visibility, deleted = false, body = excluded.body, updated_at = now()
          where case when excluded.version is null then records.deleted or (records.body - 'version') <> (excluded.body - 'version')
                     else records.version is null or records.version < excluded.version end
        returning kind, id, version, revision, (xmax = 0) as inserted
      ), queued as (
        insert into outbox (kind, record_id, revision, op) select kind, id, revision, 'upsert' from written
      ), announced as (
        select count(pg_notify(${RECORD_CHANGES}, kind || '/' || id)) as n from written
      )
      select i.kind, i.id, w.id is not null as written, w.inserted, w.revision, w.version,
             r.version as stored_version, r.revision as stored_revision, r.deleted, (r.body - 'version') = (i.body - 'version') as same,
             (select n from announced) as announced
      from input i
      left join written w on w.kind = i.kind and w.id = i.id
      left join records r on r.kind = i.kind and r.id = i.id`.execute(tx)
    const byKey = new Map(result.rows.map((r) => [`${r.kind}/${r.id}`, r]))
    const results = writes.map((w): WriteResult => {
      const r = byKey.get(`${w.kind}/${w.id}`)
      if (!r) throw new Error(`putManyIn: no result for ${w.kind}/${w.id}`)
      // A write over a tombstone brings the record back: created, as far as anyone reading can tell.
      if (r.written) return { outcome: r.inserted || r.deleted ? 'created' : 'updated', version: numberOrNull(r.version), revision: Number(r.revision) }
      const storedVersion = numberOrNull(r.stored_version)
      const revision = Number(r.stored_revision)
      // The same content again: as a replay of the stored version, or as an unversioned write.
      if (!r.deleted && r.same && (storedVersion === w.version || w.version === null)) return { outcome: 'unchanged', version: storedVersion, revision }
      return { outcome: 'stale', version: w.version, revision, ...(storedVersion === null ? {} : { storedVersion }) }
    })
    // The writes that changed nothing announce nothing: their keys may be cached again at once.
    this.cache?.unchanged(writes.filter((_, i) => results[i]?.outcome === 'unchanged' || results[i]?.outcome === 'stale').map((w) => recordKey(w.kind, w.id)))
    const projects = writes.filter((w, i) => w.kind === 'projects' && (results[i]?.outcome === 'created' || results[i]?.outcome === 'updated'))
    if (projects.length > 0) {
      const ids = JSON.stringify(projects.map((p) => p.id))
      await sql`delete from project_participants where project_id in (select jsonb_array_elements_text(${ids}::jsonb))`.execute(tx)
      const rows = projects.flatMap((p) => participantRows(p.id, p.body))
      if (rows.length > 0) {
        await sql`
          insert into project_participants (project_id, organization_id, role, programme, start)
          select project_id, organization_id, role, programme, start
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(project_id text, organization_id text, role text, programme text, start text)`.execute(tx)
      }
      await sql`select pg_notify(${PROJECT_CHANGES}, id) from jsonb_array_elements_text(${ids}::jsonb) as id`.execute(tx)
    }
    return results
  }

  async delete (kind: Kind, id: string, version?: number): Promise<WriteResult> {
    return retryTransaction(this.db, (tx) => this.deleteIn(tx, kind, id, version))
  }

  /** A delete with `version` follows the versioned rule; without, it applies to whatever is stored. */
  async deleteIn (tx: Transaction<Database>, kind: Kind, id: string, version?: number): Promise<WriteResult> {
    const current = await tx.selectFrom('records').select(['version', 'revision', 'deleted'])
      .where('kind', '=', kind).where('id', '=', id).forUpdate().executeTakeFirst()
    if (!current) {
      // A versioned delete that arrives before the record's first write (writes out of order)
      // leaves a tombstone, so that the older write, when it comes, cannot create the record.
      if (version !== undefined) {
        const inserted = await tx.insertInto('records').values({ kind, id, version, revision: Math.max(1, version), visibility: 'public', deleted: true, body: JSON.stringify({ id }) })
          .onConflict((oc) => oc.columns(['kind', 'id']).doNothing()).returning('id').executeTakeFirst()
        // A write created the record meanwhile (the insert waited for it): delete it as it now is.
        if (!inserted) return this.deleteIn(tx, kind, id, version)
      }
      return { outcome: 'not_found', version: version ?? null, revision: 0 }
    }
    const storedVersion = numberOrNull(current.version)
    const storedRevision = Number(current.revision)
    if (version !== undefined && storedVersion !== null && version <= storedVersion) {
      return current.deleted
        ? { outcome: 'unchanged', version: storedVersion, revision: storedRevision }
        : { outcome: 'stale', version, revision: storedRevision, storedVersion }
    }
    // Repeating a delete without a version changes nothing.
    if (current.deleted && version === undefined) return { outcome: 'unchanged', version: storedVersion, revision: storedRevision }
    const nextVersion = version ?? storedVersion
    const revision = Math.max(storedRevision + 1, version ?? 0)
    this.cache?.writing([recordKey(kind, id)])
    await sql`select pg_notify(${RECORD_CHANGES}, ${recordKey(kind, id)})`.execute(tx)
    await tx.updateTable('records')
      .set({ version: nextVersion, revision, deleted: true, body: JSON.stringify({ id }), updated_at: new Date() })
      .where('kind', '=', kind).where('id', '=', id).execute()
    await tx.insertInto('outbox').values({ kind, record_id: id, revision, op: 'delete' }).execute()
    if (kind === 'projects') {
      await tx.deleteFrom('project_participants').where('project_id', '=', id).execute()
      await notifyProject(tx, id)
    }
    return { outcome: 'deleted', version: nextVersion, revision }
  }

  /** The live record, from the cache when this repository has one. Callers must not change what they get. */
  async get (kind: Kind, id: string): Promise<StoredRecord | null> {
    return this.cache ? this.cache.get(recordKey(kind, id), () => this.read(kind, id)) : this.read(kind, id)
  }

  private async read (kind: Kind, id: string): Promise<StoredRecord | null> {
    const row = await this.db.selectFrom('records').selectAll()
      .where('kind', '=', kind).where('id', '=', id).where('deleted', '=', false).executeTakeFirst()
    if (!row) return null
    return {
      kind,
      id: row.id,
      version: numberOrNull(row.version),
      revision: Number(row.revision),
      visibility: row.visibility,
      body: row.body as Record<string, unknown>,
      updatedAt: new Date(row.updated_at).toISOString()
    }
  }
}

function numberOrNull (value: string | number | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value)
}

/** A project's participant rows, one per organisation (the last role given wins). */
function participantRows (projectId: string, body: Record<string, unknown>) {
  const list = Array.isArray(body.participants) ? body.participants as Array<{ organizationId: string, role: string }> : []
  const unique = new Map(list.map((p) => [p.organizationId, p.role]))
  const programme = typeof body.programme === 'string' ? body.programme : null
  const start = typeof body.start === 'string' ? body.start : null
  return [...unique].map(([organizationId, role]) => ({ project_id: projectId, organization_id: organizationId, role, programme, start }))
}

/** Tells every collaboration graph in memory to re-read the project, once the transaction commits. */
async function notifyProject (tx: Transaction<Database>, projectId: string): Promise<void> {
  await sql`select pg_notify(${PROJECT_CHANGES}, ${projectId})`.execute(tx)
}
