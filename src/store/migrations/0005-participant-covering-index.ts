import type { Kysely } from 'kysely'

/**
 * One index on (organization_id, programme, project_id) in place of the one on organization_id: the
 * collaboration-graph queries (an organisation's projects, its activity per programme, its partners)
 * are then answered from the index alone, without reading table rows.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('project_participants_org_programme').on('project_participants').columns(['organization_id', 'programme', 'project_id']).execute()
  await db.schema.dropIndex('project_participants_org').ifExists().execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('project_participants_org').on('project_participants').column('organization_id').execute()
  await db.schema.dropIndex('project_participants_org_programme').ifExists().execute()
}
