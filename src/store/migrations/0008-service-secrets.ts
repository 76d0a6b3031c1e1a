import { sql, type Kysely } from 'kysely'

/**
 * Secrets every process of one deployment shares, by name: `cursor` signs page cursors
 * (match/cursor.ts), so that a cursor one API process issued is accepted by every other on the same
 * database, and after a restart. Each is random, made once by the first process that needs it.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('service_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('service_secrets').ifExists().execute()
}
