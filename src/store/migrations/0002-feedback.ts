import { sql, type Kysely } from 'kysely'

/** Feedback events from the portal: used at once by recommendations and kept for offline evaluation. */
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('feedback')
    .addColumn('seq', 'bigserial', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('item_kind', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull().check(sql`event in ('shown', 'clicked', 'interest', 'dismissed', 'contact_accepted')`))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('feedback_person').on('feedback').columns(['person_id', 'event']).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('feedback').ifExists().execute()
}
