import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'

export interface GraphSignals {
  /** Projects the two organisations carried out together (ids). */
  sharedProjects: Map<string, string[]>
  /** Partners the candidate shares with the seeker (partners of partners). */
  sharedPartners: Map<string, number>
  /** Programme areas each candidate was active in, with its number of projects in each. */
  programmes: Map<string, Map<string, number>>
  /** The seeker's own programme areas. */
  seekerProgrammes: Set<string>
}

/**
 * Collaboration-history signals from the projects table, for one seeker and a set of candidates,
 * in three indexed queries (project_participants is keyed both ways).
 */
export async function graphSignals (db: Kysely<Database>, seeker: string | null, candidates: readonly string[]): Promise<GraphSignals> {
  const out: GraphSignals = { sharedProjects: new Map(), sharedPartners: new Map(), programmes: new Map(), seekerProgrammes: new Set() }
  if (candidates.length === 0) return out
  const cands = [...candidates]

  // Three indexed queries, side by side.
  const [programmes, together, shared] = await Promise.all([
    sql<{ organization_id: string, programme: string, n: string }>`
      select organization_id, programme, count(*) as n
      from project_participants
      where organization_id = any(${[...cands, ...(seeker ? [seeker] : [])]}) and programme is not null
      group by 1, 2`.execute(db),
    seeker
      ? sql<{ organization_id: string, project_id: string }>`
          select b.organization_id, b.project_id
          from project_participants a join project_participants b on a.project_id = b.project_id
          where a.organization_id = ${seeker} and b.organization_id = any(${cands})`.execute(db)
      : null,
    seeker
      ? sql<{ organization_id: string, n: string }>`
          with partners as (
            select distinct b.organization_id as partner
            from project_participants a join project_participants b on a.project_id = b.project_id
            where a.organization_id = ${seeker} and b.organization_id <> ${seeker}
          )
          select c.organization_id, count(distinct d.organization_id) as n
          from project_participants c join project_participants d on c.project_id = d.project_id
          join partners p on p.partner = d.organization_id
          where c.organization_id = any(${cands}) and d.organization_id <> c.organization_id
          group by c.organization_id`.execute(db)
      : null
  ])
  const wanted = new Set(cands)
  for (const row of programmes.rows) {
    if (row.organization_id === seeker) out.seekerProgrammes.add(row.programme)
    if (wanted.has(row.organization_id)) {
      const counts = out.programmes.get(row.organization_id) ?? new Map<string, number>()
      counts.set(row.programme, Number(row.n))
      out.programmes.set(row.organization_id, counts)
    }
  }
  for (const row of together?.rows ?? []) {
    const list = out.sharedProjects.get(row.organization_id) ?? []
    list.push(row.project_id)
    out.sharedProjects.set(row.organization_id, list)
  }
  for (const row of shared?.rows ?? []) out.sharedPartners.set(row.organization_id, Number(row.n))
  return out
}

/** Every organisation the seeker carried out a project with. */
export async function pastPartners (db: Kysely<Database>, seeker: string): Promise<string[]> {
  const rows = await sql<{ organization_id: string }>`
    select distinct b.organization_id
    from project_participants a join project_participants b on a.project_id = b.project_id
    where a.organization_id = ${seeker} and b.organization_id <> ${seeker}`.execute(db)
  return rows.rows.map((r) => r.organization_id)
}

/**
 * Candidates from the seeker's collaboration network: every past partner first (most shared projects
 * first), then partners of partners (most paths first) to fill the list. Ranking past partners by
 * path counts instead let very active organisations that never worked with the seeker push real
 * partners out of the list (bench/h2020-partners.ts).
 */
export async function networkCandidates (db: Kysely<Database>, seeker: string, limit: number): Promise<Array<{ id: string, score: number }>> {
  const rows = await sql<{ id: string, direct: string, paths: string }>`
    with direct as (
      select b.organization_id as id, count(*) as n
      from project_participants a join project_participants b on a.project_id = b.project_id
      where a.organization_id = ${seeker} and b.organization_id <> ${seeker}
      group by b.organization_id
    ), second as (
      select d.organization_id as id, count(*) as n
      from direct p
      join project_participants c on c.organization_id = p.id
      join project_participants d on d.project_id = c.project_id
      where d.organization_id <> ${seeker} and d.organization_id not in (select id from direct)
        and c.project_id not in (select project_id from project_participants where organization_id = ${seeker})
      group by d.organization_id
    )
    select id, direct, paths from (
      select id, n as direct, 0 as paths from direct
      union all
      select id, 0 as direct, n as paths from second
    ) s order by direct desc, paths desc, id limit ${limit}`.execute(db)
  // Scores keep the order: any past partner above any partner of a partner.
  return rows.rows.map((r) => ({ id: r.id, score: Number(r.direct) > 0 ? 1_000_000 + Number(r.direct) : Number(r.paths) }))
}

/** The organisations most active in a programme area (most projects), for programme context. */
export async function programmeLeaders (db: Kysely<Database>, programme: string, limit: number): Promise<Array<{ id: string, score: number }>> {
  const rows = await sql<{ id: string, n: string }>`
    select organization_id as id, count(*) as n
    from project_participants
    where programme = ${programme}
    group by organization_id order by n desc, id limit ${limit}`.execute(db)
  return rows.rows.map((r) => ({ id: r.id, score: Number(r.n) }))
}
