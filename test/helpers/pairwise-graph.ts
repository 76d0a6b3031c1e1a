import { topK } from '../../src/search/top-k.ts'
import type { GraphSignals, ParticipationRow, RankedOrg, Tie } from '../../src/match/collaboration-graph.ts'

/** Partners of partners are reached through the seeker's closest partners, at most this many. */
const BRIDGES = 30

/** What a partner of the seeker passes on to the candidates it shares (signals()). */
interface Bridge { share: number, out: number }

interface Project { programme: string | null, members: string[], /** Start as a fractional year, null when unknown. */ start: number | null }

/** What ranking asks of one organisation, kept up to date as projects come and go. */
interface OrgNode {
  projects: Set<string>
  /** Partner → projects carried out together. */
  partners: Map<string, number>
  /** Σ of `partners`' counts: the random walk's normaliser. */
  ties: number
  /** Programme area → projects in it. */
  programmes: Map<string, number>
}

/**
 * The collaboration graph as it was before issue 32: pairwise partner maps per organisation
 * (OrgNode.partners), quadratic in a consortium's size. Kept, unchanged in what it computes, as the
 * oracle the compact graph (src/match/collaboration-graph.ts) must agree with bit for bit
 * (test/match/collaboration-graph-equivalence.test.ts), and as the "old" side of bench/graph-memory.ts.
 * It reads nothing: `fill` takes the rows a full read returns, `apply` the rows re-read for changed projects.
 */
export class PairwiseCollaborationGraph {
  private projects = new Map<string, Project>()
  private orgs = new Map<string, OrgNode>()
  /** Per programme: organisation → projects; its ranking is built on demand and dropped on change. */
  private byProgramme = new Map<string, Map<string, number>>()
  private leadersCache = new Map<string, RankedOrg[]>()
  /** Latest project start (fractional year) in the graph: recency counts back from it. */
  private present: number | null = null
  /** Bumped by every applied change (tests and status). */
  version = 0

  /** What a full read does with the rows it read. */
  fill (rows: readonly ParticipationRow[]): void {
    this.projects = new Map()
    this.orgs = new Map()
    this.byProgramme = new Map()
    this.leadersCache = new Map()
    this.present = null
    for (const project of group(rows)) this.link(...project)
    this.version++
  }

  /** Every organisation the seeker carried out a project with. */
  pastPartners (seeker: string): string[] {
    return [...this.direct(seeker).keys()]
  }

  /**
   * Candidates from the seeker's collaboration network: its past partners first, closest first (at most
   * `partners`), then partners of partners by resource allocation (Σ over partners in common of
   * 1 / their number of partners) while the list is shorter than `total`. A past partner's closeness
   * is its recency-weighted tie strength (Σ over shared projects of 2^(-age / 2) / (consortium size - 1)),
   * doubled for projects in `programme`: a hub's hundreds of past partners are ranked by what predicts a
   * new consortium, not cut at the first few (bench/h2020-partners.ts reports the pool's recall).
   * Scores keep that order: any past partner scores above any partner of a partner.
   */
  network (seeker: string, limits: { partners: number, total: number, programme?: string }): RankedOrg[] {
    const node = this.orgs.get(seeker)
    if (!node) return []
    const direct = node.partners
    const closeness = new Map<string, number>()
    for (const projectId of node.projects) {
      const p = this.projects.get(projectId) as Project
      const weight = this.recency(p) / Math.max(1, p.members.length - 1) * (limits.programme && p.programme === limits.programme ? 2 : 1)
      for (const m of p.members) if (m !== seeker) closeness.set(m, (closeness.get(m) ?? 0) + weight)
    }
    // Only the best few of each list are kept (topK): a hub's thousands of partners, and their
    // partners, are never sorted whole.
    const out: RankedOrg[] = topK(pastPartnerScores(closeness), limits.partners)
    if (out.length >= limits.total) return out
    // Resource allocation through the closest partners only (at most BRIDGES of them): a hub's
    // partners' partners run to tens of thousands, and a far partner passes little on anyway.
    const allocation = new Map<string, number>()
    const bridges = out.length <= BRIDGES ? out : topK(pastPartnerScores(closeness), BRIDGES)
    for (const { id: partner } of bridges) {
      const theirs = (this.orgs.get(partner) as OrgNode).partners
      const share = 1 / theirs.size
      for (const m of theirs.keys()) if (m !== seeker && !direct.has(m)) allocation.set(m, (allocation.get(m) ?? 0) + share)
    }
    return [...out, ...topK(allocation.entries(), limits.total - out.length)]
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
   * `programme` is the area the partnership is for (the `area` measure counts shared projects in it).
   */
  signals (seeker: string | null, candidates: readonly string[], programme?: string): GraphSignals {
    const out: GraphSignals = { sharedProjects: new Map(), sharedPartners: new Map(), ties: new Map(), programmes: new Map(), seekerProgrammes: new Set() }
    const me = seeker ? this.orgs.get(seeker) : undefined
    if (me) for (const p of me.programmes.keys()) out.seekerProgrammes.add(p)
    // Per partner z of the seeker, worked out once: its resource share 1 / |partners(z)| and the
    // first step of the walk P(seeker → z) / Σ ties(z), to multiply by the ties of z with a candidate.
    const bridges = me ? new Map<string, Bridge>() : null
    if (me && bridges) {
      for (const [x, n] of me.partners) {
        const z = this.orgs.get(x) as OrgNode
        bridges.set(x, { share: 1 / z.partners.size, out: n / me.ties / z.ties })
      }
    }
    for (const c of candidates) {
      const them = this.orgs.get(c)
      if (!them) continue
      if (them.programmes.size > 0) out.programmes.set(c, them.programmes)
      if (!me) continue
      const tie: Tie = { recent: 0, area: 0, strength: 0, allocation: 0, walk: 0, salton: 0 }
      if (me.partners.has(c)) {
        const [small, large] = me.projects.size <= them.projects.size ? [me.projects, them.projects] : [them.projects, me.projects]
        const together: string[] = []
        for (const id of small) {
          if (!large.has(id)) continue
          together.push(id)
          const p = this.projects.get(id) as Project
          tie.recent += this.recency(p)
          tie.strength += 1 / Math.max(1, p.members.length - 1)
          if (programme && p.programme === programme) tie.area++
        }
        out.sharedProjects.set(c, together.sort())
      }
      // Partners in common: neither the candidate nor the seeker counts (neither is its own partner).
      // Each walks the smaller side; what a common partner adds is read from `bridges`.
      let common = 0
      if (me.partners.size <= them.partners.size) {
        for (const [x, b] of bridges as Map<string, Bridge>) {
          if (x === c) continue
          const shared = them.partners.get(x)
          if (shared === undefined) continue
          common++
          tie.allocation += b.share
          tie.walk += b.out * shared
        }
      } else {
        for (const [x, shared] of them.partners) {
          if (x === seeker) continue
          const b = (bridges as Map<string, Bridge>).get(x)
          if (b === undefined) continue
          common++
          tie.allocation += b.share
          tie.walk += b.out * shared
        }
      }
      if (common > 0) {
        out.sharedPartners.set(c, common)
        tie.salton = common / Math.sqrt(me.partners.size * them.partners.size)
      }
      if (tie.strength > 0 || common > 0) out.ties.set(c, tie)
    }
    return out
  }

  /** A project's weight by age: 1 for the latest start in the graph, halving every two years before it; 0.5 when its start is unknown. */
  private recency (p: Project): number {
    if (p.start === null || this.present === null) return 0.5
    return 2 ** (-(this.present - p.start) / 2)
  }

  /** Organisations the seeker shares a project with, and how many projects each. */
  private direct (seeker: string): Map<string, number> {
    return this.orgs.get(seeker)?.partners ?? new Map()
  }

  /** What applying changed projects does: `ids` unlinked, then `rows` (re-read for those ids) linked. */
  apply (ids: readonly string[], rows: readonly ParticipationRow[]): void {
    for (const id of ids) this.unlink(id)
    for (const project of group(rows)) this.link(...project)
    this.version++
  }

  private node (org: string): OrgNode {
    let node = this.orgs.get(org)
    if (!node) this.orgs.set(org, node = { projects: new Set(), partners: new Map(), ties: 0, programmes: new Map() })
    return node
  }

  private link (projectId: string, project: Project): void {
    this.projects.set(projectId, project)
    const { programme, members, start } = project
    if (start !== null && (this.present === null || start > this.present)) this.present = start
    for (const org of members) {
      const node = this.node(org)
      node.projects.add(projectId)
      for (const other of members) if (other !== org) node.partners.set(other, (node.partners.get(other) ?? 0) + 1)
      node.ties += members.length - 1
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
      node.ties -= members.length - 1
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
function group (rows: readonly ParticipationRow[]): Array<[string, Project]> {
  const projects = new Map<string, Project>()
  for (const r of rows) {
    let p = projects.get(r.project_id)
    if (!p) projects.set(r.project_id, p = { programme: r.programme, members: [], start: yearOf(r.start) })
    if (!p.members.includes(r.organization_id)) p.members.push(r.organization_id)
  }
  return [...projects]
}

/** Past partners' scores: above any partner of a partner's (a resource allocation, at most the seeker's partner count), closest first. */
function * pastPartnerScores (closeness: Map<string, number>): Iterable<[string, number]> {
  for (const [id, n] of closeness) yield [id, 1_000_000 + n]
}

/** A date (YYYY-MM-DD) as a fractional year; null when missing or not a date. */
function yearOf (date: string | null | undefined): number | null {
  if (!date) return null
  const ms = Date.parse(date)
  if (!Number.isFinite(ms)) return null
  return 1970 + ms / (365.25 * 86_400_000)
}

function byScoreThenId (a: RankedOrg, b: RankedOrg): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
