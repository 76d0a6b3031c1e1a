import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'
import type { Store } from '../ports/store.ts'
import { topK } from '../search/embedded/top-k.ts'

/** The channel a project write notifies, with the project id as payload (record-repository.ts). */
export const PROJECT_CHANGES = 'engine_project_changes'

export interface GraphSignals {
  /** Projects the two organisations carried out together (ids). */
  sharedProjects: Map<string, string[]>
  /** Partners the candidate shares with the seeker (partners of partners). */
  sharedPartners: Map<string, number>
  /** Programme areas each candidate was active in, with its number of projects in each (read-only views of the graph). */
  programmes: Map<string, Map<string, number>>
  /** The seeker's own programme areas. */
  seekerProgrammes: Set<string>
}

export interface RankedOrg { id: string, score: number }

interface Project { programme: string | null, members: string[] }

/** What ranking asks of one organisation, kept up to date as projects come and go. */
interface OrgNode {
  projects: Set<string>
  /** Partner → projects carried out together. */
  partners: Map<string, number>
  /** Programme area → projects in it. */
  programmes: Map<string, number>
}

/**
 * The collaboration history (who carried out which project with whom, in which programme area),
 * held in memory: partner matching asks for an organisation's partners, partners of partners and
 * programme activity on every request, and the same questions in SQL cost 15 ms for a typical
 * organisation and 300 ms for a hub on a 60k-project store (two- and three-hop self-joins).
 *
 * It is read once from `project_participants` and kept current by the store's notifications:
 * every project write notifies its id in the same transaction, and the graph re-reads that
 * project. When notifications may have been lost (the listening connection dropped) it re-reads
 * everything. Changes show up within milliseconds of their commit.
 */
export class CollaborationGraph {
  private projects = new Map<string, Project>()
  private orgs = new Map<string, OrgNode>()
  /** Per programme: organisation → projects; its ranking is built on demand and dropped on change. */
  private byProgramme = new Map<string, Map<string, number>>()
  private leadersCache = new Map<string, RankedOrg[]>()
  private readonly pending = new Set<string>()
  /** Reads of the store, one at a time and in order: a reload never overtakes a later change. */
  private work: Promise<void> = Promise.resolve()
  private reloadQueued = false
  private unlisten: (() => Promise<void>) | null = null
  /** Bumped by every applied change (tests and status). */
  version = 0

  constructor (private readonly db: Kysely<Database>) {}

  /** A graph that follows the store: subscribes first, then reads, so no change falls in between. */
  static async open (store: Store<Database>): Promise<CollaborationGraph> {
    const graph = new CollaborationGraph(store.db)
    graph.unlisten = await store.listen(PROJECT_CHANGES, {
      onMessage: (projectId) => graph.changed(projectId),
      onGap: () => { graph.reload().catch(() => {}) }
    })
    await graph.reload()
    return graph
  }

  /** Reads the whole graph again (at open, and after a gap in notifications). */
  reload (): Promise<void> {
    if (this.reloadQueued) return this.work
    this.reloadQueued = true
    return this.enqueue(async () => {
      this.reloadQueued = false
      // Changes notified before this read are in it.
      this.pending.clear()
      const rows = await sql<{ project_id: string, organization_id: string, programme: string | null }>`
        select project_id, organization_id, programme from project_participants`.execute(this.db)
      this.projects = new Map()
      this.orgs = new Map()
      this.byProgramme = new Map()
      this.leadersCache = new Map()
      for (const project of group(rows.rows)) this.link(...project)
      this.version++
    })
  }

  /** Resolves once every change notified so far has been applied. */
  settled (): Promise<void> {
    return this.work
  }

  async close (): Promise<void> {
    await this.unlisten?.()
    this.unlisten = null
    await this.work
  }

  /** Every organisation the seeker carried out a project with. */
  pastPartners (seeker: string): string[] {
    return [...this.direct(seeker).keys()]
  }

  /**
   * Candidates from the seeker's collaboration network: its past partners first (most shared
   * projects first, at most `partners`), then partners of partners (most paths first) while the list
   * is shorter than `total`. Ranking past partners by path counts let very active organisations that
   * never worked with the seeker push real partners out of the list (bench/h2020-partners.ts).
   * Scores keep that order: any past partner scores above any partner of a partner.
   */
  network (seeker: string, limits: { partners: number, total: number }): RankedOrg[] {
    const node = this.orgs.get(seeker)
    if (!node) return []
    const direct = node.partners
    // Only the best few of each list are kept (topK): a hub's thousands of partners, and their
    // partners, are never sorted whole (this method was a fifth of the matcher's CPU in a replay of
    // profile requests when it sorted them).
    const out: RankedOrg[] = topK(pastPartnerScores(direct), limits.partners)
    if (out.length >= limits.total) return out
    const own = node.projects
    const paths = new Map<string, number>()
    for (const partner of direct.keys()) {
      for (const projectId of this.orgs.get(partner)?.projects ?? []) {
        if (own.has(projectId)) continue
        for (const m of (this.projects.get(projectId) as Project).members) {
          if (m !== seeker && !direct.has(m)) paths.set(m, (paths.get(m) ?? 0) + 1)
        }
      }
    }
    return [...out, ...topK(paths.entries(), limits.total - out.length)]
  }

  /** The organisations most active in a programme area (most projects), for programme context. */
  leaders (programme: string, limit: number): RankedOrg[] {
    let ranked = this.leadersCache.get(programme)
    if (!ranked) {
      ranked = [...(this.byProgramme.get(programme) ?? [])].map(([id, n]) => ({ id, score: n })).sort(byScoreThenId)
      this.leadersCache.set(programme, ranked)
    }
    return ranked.slice(0, limit)
  }

  /**
   * Collaboration-history signals for one seeker and a set of candidates, from each organisation's
   * partner and programme tallies: the cost per candidate is the smaller of the two partner lists.
   */
  signals (seeker: string | null, candidates: readonly string[]): GraphSignals {
    const out: GraphSignals = { sharedProjects: new Map(), sharedPartners: new Map(), programmes: new Map(), seekerProgrammes: new Set() }
    const me = seeker ? this.orgs.get(seeker) : undefined
    if (me) for (const programme of me.programmes.keys()) out.seekerProgrammes.add(programme)
    for (const c of candidates) {
      const them = this.orgs.get(c)
      if (!them) continue
      if (them.programmes.size > 0) out.programmes.set(c, them.programmes)
      if (!me) continue
      if (me.partners.has(c)) {
        const [small, large] = me.projects.size <= them.projects.size ? [me.projects, them.projects] : [them.projects, me.projects]
        const together: string[] = []
        for (const p of small) if (large.has(p)) together.push(p)
        out.sharedProjects.set(c, together.sort())
      }
      // Partners in common: neither the candidate nor the seeker counts (neither is its own partner).
      let common = 0
      if (me.partners.size <= them.partners.size) {
        for (const x of me.partners.keys()) if (x !== c && them.partners.has(x)) common++
      } else {
        for (const x of them.partners.keys()) if (x !== seeker && me.partners.has(x)) common++
      }
      if (common > 0) out.sharedPartners.set(c, common)
    }
    return out
  }

  /** Organisations the seeker shares a project with, and how many projects each. */
  private direct (seeker: string): Map<string, number> {
    return this.orgs.get(seeker)?.partners ?? new Map()
  }

  private changed (projectId: string): void {
    this.pending.add(projectId)
    if (this.pending.size > 1) return // a read is already queued and will take this id too
    this.enqueue(async () => {
      const ids = [...this.pending]
      this.pending.clear()
      if (ids.length === 0) return
      const rows = await this.db.selectFrom('project_participants').select(['project_id', 'organization_id', 'programme'])
        .where('project_id', 'in', ids).execute()
      for (const id of ids) this.unlink(id)
      for (const project of group(rows)) this.link(...project)
      this.version++
    }).catch(() => {})
  }

  private enqueue (task: () => Promise<void>): Promise<void> {
    // A failed read must not stop later ones; the next gap or change reads again.
    this.work = this.work.then(task).catch(() => {})
    return this.work
  }

  private node (org: string): OrgNode {
    let node = this.orgs.get(org)
    if (!node) this.orgs.set(org, node = { projects: new Set(), partners: new Map(), programmes: new Map() })
    return node
  }

  private link (projectId: string, project: Project): void {
    this.projects.set(projectId, project)
    const { programme, members } = project
    for (const org of members) {
      const node = this.node(org)
      node.projects.add(projectId)
      for (const other of members) if (other !== org) node.partners.set(other, (node.partners.get(other) ?? 0) + 1)
      if (programme) {
        node.programmes.set(programme, (node.programmes.get(programme) ?? 0) + 1)
        let counts = this.byProgramme.get(programme)
        if (!counts) this.byProgramme.set(programme, counts = new Map())
        counts.set(org, (counts.get(org) ?? 0) + 1)
      }
    }
    if (programme) this.leadersCache.delete(programme)
  }

  private unlink (projectId: string): void {
    const project = this.projects.get(projectId)
    if (!project) return
    this.projects.delete(projectId)
    const { programme, members } = project
    const decrement = (map: Map<string, number> | undefined, key: string) => {
      const n = (map?.get(key) ?? 0) - 1
      if (n > 0) map?.set(key, n)
      else map?.delete(key)
    }
    for (const org of members) {
      const node = this.orgs.get(org)
      if (!node) continue
      node.projects.delete(projectId)
      for (const other of members) if (other !== org) decrement(node.partners, other)
      if (programme) {
        decrement(node.programmes, programme)
        decrement(this.byProgramme.get(programme), org)
      }
      if (node.projects.size === 0) this.orgs.delete(org)
    }
    if (programme) this.leadersCache.delete(programme)
  }
}

/** Participation rows grouped by project (an organisation appears once per project). */
function group (rows: ReadonlyArray<{ project_id: string, organization_id: string, programme: string | null }>): Array<[string, Project]> {
  const projects = new Map<string, Project>()
  for (const r of rows) {
    let p = projects.get(r.project_id)
    if (!p) projects.set(r.project_id, p = { programme: r.programme, members: [] })
    if (!p.members.includes(r.organization_id)) p.members.push(r.organization_id)
  }
  return [...projects]
}

/** Past partners' scores: above any partner of a partner's (a path count), most shared projects first. */
function * pastPartnerScores (direct: Map<string, number>): Iterable<[string, number]> {
  for (const [id, n] of direct) yield [id, 1_000_000 + n]
}

function byScoreThenId (a: RankedOrg, b: RankedOrg): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
