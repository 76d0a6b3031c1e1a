import { sql, type Kysely } from 'kysely'

/** One alert per proposal: its candidates above the alert score, and whether it was delivered. */
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('alerts')
    .addColumn('proposal_id', 'text', (c) => c.primaryKey())
    .addColumn('candidates', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('alerts').ifExists().execute()
}
