import { sql, type Kysely } from 'kysely'

/**
 * The version scheme of docs/api.md: `records.version` becomes the portal's version (null when no
 * write carried one) and `records.revision` the engine's own, which the index orders by.
 *
 * Before, a write or delete without a version stored the clock (`Date.now()`) as the version, and
 * the portal's later integer versions were refused forever. Existing rows are carried over thus:
 * - revision = the old version (what the index holds), or 1 where it was negative (an `updatedAt`
 *   before 1970, which the index refused: the pending outbox rows now go through);
 * - version = the old version, except where the engine invented it: no `updatedAt` in the body and
 *   a value in the clock's range (2017-07-14 to now + 1 day, in ms). There it becomes null and the
 *   `version` the engine had copied into the body is removed, so the portal's next versioned write wins.
 * The outbox's `version` column is renamed `revision`; outbox rows also get the job that carries
 * them (`job_id`), so that a lease never queues rows whose job is still waiting or running.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await sql`alter table records rename column version to revision`.execute(db)
  await sql`alter table records add column version bigint`.execute(db)
  await sql`
    update records set
      version = case when body ? 'updatedAt' or revision < 1500000000000
                       or revision > (extract(epoch from now()) * 1000 + 86400000)::bigint
                     then revision end,
      revision = greatest(revision, 1)`.execute(db)
  await sql`update records set body = body - 'version' where version is null and body ? 'version'`.execute(db)
  await sql`alter table outbox rename column version to revision`.execute(db)
  await sql`update outbox set revision = 1 where revision < 1`.execute(db)
  await sql`alter table outbox add column job_id text`.execute(db)
  // Whether the outbox still carries a record (the refill at start asks for every record).
  await sql`create index outbox_pending_record on outbox (kind, record_id) where done_at is null`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`drop index if exists outbox_pending_record`.execute(db)
  await sql`alter table outbox drop column job_id`.execute(db)
  await sql`alter table outbox rename column revision to version`.execute(db)
  await sql`update records set body = body || jsonb_build_object('version', revision) where version is null`.execute(db)
  await sql`alter table records drop column version`.execute(db)
  await sql`alter table records rename column revision to version`.execute(db)
}
