import { sql, type Kysely } from 'kysely'

/**
 * The system of record (one table for every kind, the record as JSON plus the columns the pipeline
 * needs), the outbox that carries each accepted write to the index, and the vector cache keyed by
 * (model, content hash) so that no unchanged text is embedded twice.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('records')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull())
    // A delete keeps its row as a tombstone, so that an older write arriving late cannot resurrect it.
    .addColumn('deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('records_pk', ['kind', 'id'])
    .execute()

  await db.schema.createTable('outbox')
    .addColumn('seq', 'bigserial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull().check(sql`op in ('upsert', 'delete')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('enqueued_at', 'timestamptz')
    .addColumn('done_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute()
  await sql`create index outbox_pending on outbox (seq) where done_at is null`.execute(db)

  await db.schema.createTable('vectors')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('dims', 'integer', (c) => c.notNull())
    // float32 little-endian: 1.5 KB for 384 dimensions, read straight into a Float32Array.
    .addColumn('vector', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('vectors_pk', ['model', 'content_hash'])
    .execute()

  // The collaboration graph, kept in step with project records in the same transaction.
  await db.schema.createTable('project_participants')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_participants_pk', ['project_id', 'organization_id'])
    .execute()
  await db.schema.createIndex('project_participants_org').on('project_participants').column('organization_id').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const table of ['project_participants', 'vectors', 'outbox', 'records']) await db.schema.dropTable(table).ifExists().execute()
}
