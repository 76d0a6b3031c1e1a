import { sql, type Kysely } from 'kysely'

/**
 * The programme area of each participation, next to it: the collaboration-graph queries count a
 * candidate's projects per programme from this table alone, instead of reading every project's JSON.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('project_participants').addColumn('programme', 'text').execute()
  await sql`
    update project_participants pp set programme = r.body->>'programme'
    from records r where r.kind = 'projects' and r.id = pp.project_id`.execute(db)
  await db.schema.createIndex('project_participants_programme').on('project_participants').columns(['programme', 'organization_id']).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('project_participants_programme').ifExists().execute()
  await db.schema.alterTable('project_participants').dropColumn('programme').execute()
}
