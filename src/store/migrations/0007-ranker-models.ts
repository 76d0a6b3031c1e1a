import { sql, type Kysely } from 'kysely'

/**
 * Learned ranking: each participation carries its project's start date (recency of a tie and the time
 * split of training read it from the graph), and trained ranking models are kept, versioned, with one
 * active per target (`partners`): `npm run ranker:train` writes them, `/v1/admin/ranker` activates one.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('project_participants').addColumn('start', 'text').execute()
  await sql`
    update project_participants pp set start = r.body->>'start'
    from records r where r.kind = 'projects' and r.id = pp.project_id`.execute(db)
  await db.schema.createTable('ranker_models')
    .addColumn('version', 'serial', (c) => c.primaryKey())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('trained_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('weights', 'jsonb', (c) => c.notNull())
    .addColumn('report', 'jsonb', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute()
  await sql`create unique index ranker_models_one_active on ranker_models (target) where active`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ranker_models').ifExists().execute()
  await db.schema.alterTable('project_participants').dropColumn('start').execute()
}
