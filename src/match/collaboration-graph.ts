import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'
import type { Store } from '../ports/store.ts'
import { topK } from '../search/top-k.ts'
import { PROJECT_CHANGES } from '../store/channels.ts'
import { CollaborationHistory, HistoryBuilder, yearOf, type ParticipationRow, type ProjectLink } from './graph/collaboration-history.ts'
import { Neighbourhood } from './graph/neighbourhood.ts'
import { HistoryOverBudgetError, readHistory } from './graph/history-loader.ts'

export type { ParticipationRow }

export interface GraphSignals {
  /** Projects the two organisations carried out together (ids). */
  sharedProjects: Map<string, string[]>
  /** Partners the candidate shares with the seeker (partners of partners). */
  sharedPartners: Map<string, number>
  /** How close each candidate sits to the seeker in the history (candidates with any tie only). */
  ties: Map<string, Tie>
  /** Programme areas each candidate was active in, with its number of projects in each. */
  programmes: Map<string, Map<string, number>>
  /** The seeker's own programme areas. */
  seekerProgrammes: Set<string>
}

/**
 * The collaboration measures of one (seeker, candidate) pair. Recency counts a project's age in years
 * before the latest project start the history holds (its "present"), halving every two years.
 */
export interface Tie {
  /** Σ over shared projects of 2^(-age / 2): recent projects count most. */
  recent: number
  /** Shared projects in the programme area asked for. */
  area: number
  /** Σ over shared projects of 1 / (consortium size - 1): a two-member project is a stronger tie than a thirty-member one. */
  strength: number
  /** Resource allocation over partners in common: Σ 1 / (partners of the common partner). */
  allocation: number
  /** Two-step random walk from the seeker along shared projects: Σ P(seeker → z) × P(z → candidate). */
  walk: number
  /** Partners in common over √(seeker's partners × candidate's partners) (Salton): does not saturate at hubs. */
  salton: number
}

export interface RankedOrg { id: string, score: number }

/** Partners of partners are reached through the seeker's closest partners, at most this many. */
const BRIDGES = 30

/** GRAPH_MEMORY_MB's default: about 2.2 million participations of a Horizon 2020-like history (bench/graph-memory.ts). */
export const DEFAULT_GRAPH_MEMORY_MB = 128
/** GRAPH_MAX_ORG_TIES's default: ten times the busiest organisation of Horizon 2020 up to 2018 (9,533). */
export const DEFAULT_MAX_ORG_TIES = 100_000
/** After the graph was turned off, the soonest a change reads the store again. */
const RETRY_MS = 60_000
/** How long a start waits for the history before it goes on without it (the read goes on behind). */
const START_WAIT_MS = 5000
/** Changed projects re-read per query (at most 500 participants each). */
const CHANGE_BATCH = 200

export interface GraphOptions {
  /** What the history may hold in memory (GRAPH_MEMORY_MB); a history that would take more is not kept. */
  memoryBytes?: number
  /** The most collaboration ties one organisation may have (GRAPH_MAX_ORG_TIES): checkWrite refuses a write that takes one past it. */
  maxOrgTies?: number
  /** After the graph was turned off, the soonest it reads the store again. */
  retryMs?: number
  /** How long open() waits for the history (5 s): a larger one is read behind, the graph `loading` meanwhile. */
  startWaitMs?: number
  log?: { info (message: string): void, warn (message: string): void }
}

/** What the graph holds and whether it is in use (GET /v1/status, /ready). */
export interface GraphStatus {
  /** `ready`: ranking uses it; `loading`: being read; `off`: not in use (matches carry no collaboration signals), `reason` says why. */
  state: 'loading' | 'ready' | 'off'
  reason: string | null
  projects: number
  organisations: number
  participations: number
  megabytes: number
  budgetMegabytes: number
  maxOrgTies: number
  /** Changes applied (a full read counts one). */
  version: number
}

/** A project write refused by checkWrite: the participant at `index`, and why. */
export interface WriteProblem { index: number, problem: string }

/**
 * The collaboration history (who carried out which project with whom, in which programme area),
 * held in memory: partner matching asks for an organisation's partners, partners of partners and
 * programme activity on every request, and the same questions in SQL cost 15 ms for a typical
 * organisation and 300 ms for a hub on a 60k-project store (two- and three-hop self-joins).
 *
 * Memory is linear in the participations (graph/collaboration-history.ts): nothing pairwise is kept;
 * an organisation's partners are worked out per request from its projects, into buffers reused from
 * request to request (graph/neighbourhood.ts), in the order the pairwise maps of the earlier
 * graph held them, so that every sum, and so every signal, comes out to the same bits. The history
 * has a budget (GRAPH_MEMORY_MB): a history over it is not kept, the graph is `off` and says why in
 * `usage()`, and matching goes on without collaboration signals. An organisation's ties are bounded
 * at write time (checkWrite, GRAPH_MAX_ORG_TIES), which bounds what one request can walk through.
 *
 * It is read once from `project_participants` and kept current by the store's notifications:
 * every project write notifies its id in the same transaction, and the graph re-reads that
 * project. When notifications may have been lost (the listening connection dropped) it re-reads
 * everything. Changes show up within milliseconds of their commit.
 */
export class CollaborationGraph {
  private history = new CollaborationHistory()
  private state: GraphStatus['state'] = 'loading'
  private reason: string | null = null
  /** Per programme, its organisations by projects in it, ranked on demand and dropped on change. */
  private leadersCache = new Map<string, { orgs: Int32Array, counts: Int32Array }>()
  private readonly pending = new Set<string>()
  /** Reads of the store, one at a time and in order: a reload never overtakes a later change. */
  private work: Promise<void> = Promise.resolve()
  private reloadQueued = false
  private retry: NodeJS.Timeout | null = null
  private lastRead = 0
  private unlisten: (() => Promise<void>) | null = null
  private readonly budget: number
  private readonly maxOrgTies: number
  private readonly retryMs: number
  // Buffers reused by every request (each query runs to its end on the event loop: none interleave).
  private readonly seekerSide = new Neighbourhood()
  private readonly candidateSide = new Neighbourhood()
  private readonly bridgeSide = new Neighbourhood()
  private readonly myProjects = new Neighbourhood()
  private readonly theirProjects = new Neighbourhood()
  private readonly reached = new Neighbourhood()
  private closeness = new Float64Array(16)
  private allocation = new Float64Array(16)
  /** Bumped by every applied change (tests and status). */
  version = 0

  constructor (private readonly db: Kysely<Database>, private readonly options: GraphOptions = {}) {
    this.budget = options.memoryBytes ?? DEFAULT_GRAPH_MEMORY_MB * 2 ** 20
    this.maxOrgTies = options.maxOrgTies ?? DEFAULT_MAX_ORG_TIES
    this.retryMs = options.retryMs ?? RETRY_MS
  }

  /**
   * A graph that follows the store: subscribes first, then reads, so no change falls in between.
   * Never fails on the history: one that cannot be read or does not fit leaves the graph `off`; and
   * never holds a start up for long: past `startWaitMs` the read goes on behind (`settled()` waits
   * for it) and the graph answers as an empty one until it is done.
   */
  static async open (store: Store<Database>, options: GraphOptions = {}): Promise<CollaborationGraph> {
    const graph = new CollaborationGraph(store.db, options)
    graph.unlisten = await store.listen(PROJECT_CHANGES, {
      onMessage: (projectId) => graph.changed(projectId),
      onGap: () => { graph.reload().catch(() => {}) }
    })
    const waitMs = options.startWaitMs ?? START_WAIT_MS
    let timer: NodeJS.Timeout | undefined
    const read = await Promise.race([
      graph.reload().then(() => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), waitMs) })
    ])
    clearTimeout(timer)
    if (!read) options.log?.info(`collaboration graph: still reading the history after ${waitMs} ms; partner matches go without collaboration signals until it is read`)
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
      this.lastRead = Date.now()
      try {
        this.use(await readHistory(this.db, { budgetBytes: this.budget }))
      } catch (err) {
        if (err instanceof HistoryOverBudgetError) return this.off(`the collaboration history does not fit: ${err.message}`)
        // A read that failed keeps what the graph held, if anything; it is tried again later.
        const message = `the collaboration history could not be read: ${(err as Error).message}`
        if (this.state !== 'ready') this.off(message)
        else this.options.log?.warn(`${message}; serving the history read before`)
        this.retryLater()
      }
    })
  }

  /**
   * The history as it stood before `date` (YYYY-MM-DD): only projects that started earlier (a project
   * without a start date is left out). The ranker's trainer matches with it, so that the consortia of
   * later projects are outcomes the graph has not seen. It does not follow the store; a history over
   * the budget is an error (training on no history would be training on nothing).
   */
  static async before (db: Kysely<Database>, date: string, options: GraphOptions = {}): Promise<CollaborationGraph> {
    const graph = new CollaborationGraph(db, options)
    graph.use(await readHistory(db, { budgetBytes: graph.budget, before: date }))
    return graph
  }

  /** A graph over rows already read, in the store's order (benchmarks, tests); it does not follow the store. */
  static fromRows (db: Kysely<Database>, rows: Iterable<ParticipationRow>, options: GraphOptions = {}): CollaborationGraph {
    const graph = new CollaborationGraph(db, options)
    const builder = new HistoryBuilder()
    for (const row of rows) builder.add(row)
    graph.use(builder.finish())
    return graph
  }

  /** Resolves once every change notified so far has been applied. */
  settled (): Promise<void> {
    return this.work
  }

  async close (): Promise<void> {
    if (this.retry) clearTimeout(this.retry)
    this.retry = null
    await this.unlisten?.()
    this.unlisten = null
    await this.work
  }

  /** What the graph holds, its budget, and whether ranking uses it. */
  usage (): GraphStatus {
    const h = this.history
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20 * 10) / 10
    return {
      state: this.state,
      reason: this.reason,
      projects: h.projects.size,
      organisations: h.orgs.size,
      participations: h.participations,
      megabytes: mb(this.bytes),
      budgetMegabytes: mb(this.budget),
      maxOrgTies: this.maxOrgTies,
      version: this.version
    }
  }

  /** Bytes held: the history, the programme rankings, the request buffers. */
  get bytes (): number {
    let leaders = 0
    for (const r of this.leadersCache.values()) leaders += r.orgs.byteLength + r.counts.byteLength
    return this.history.bytes + leaders + this.closeness.byteLength + this.allocation.byteLength + this.seekerSide.bytes + this.candidateSide.bytes +
      this.bridgeSide.bytes + this.reached.bytes + this.myProjects.bytes + this.theirProjects.bytes
  }

  /**
   * Whether a project write keeps every organisation within GRAPH_MAX_ORG_TIES: an organisation's
   * ties are Σ over its projects of (participants − 1), what a request walks through to find its
   * partners. Returns the first participant the write would take past the bound (one whose ties the
   * write does not increase is never refused), or null. `pending`: ties a bulk import added in lines
   * not yet in the graph. Without a graph in use there is nothing to check against: null.
   */
  checkWrite (projectId: string, project: { participants?: unknown }, pending?: ReadonlyMap<string, number>): WriteProblem | null {
    if (this.state !== 'ready') return null
    const h = this.history
    const first = new Map<string, number>()
    participantIds(project).forEach((id, i) => { if (!first.has(id)) first.set(id, i) })
    const p = h.projects.of(projectId)
    const stored = new Set<number>()
    if (p !== undefined) for (let j = h.members.start(p), end = j + h.size(p); j < end; j++) stored.add(h.members.arena[j] as number)
    for (const [id, index] of first) {
      const o = h.orgs.of(id)
      const current = (o === undefined ? 0 : h.ties[o] as number) + (pending?.get(id) ?? 0)
      const after = current - (o !== undefined && stored.has(o) ? stored.size - 1 : 0) + first.size - 1
      if (after > this.maxOrgTies && after > current) {
        return { index, problem: `would give organisation ${id} ${after} collaboration ties (the other participants of its projects, counted per project), more than the ${this.maxOrgTies} one organisation may have (GRAPH_MAX_ORG_TIES)` }
      }
    }
    return null
  }

  /**
   * checkWrite for the project lines of one bulk import: each line is checked with the ties the lines
   * admitted before it add (they reach the graph only once their batch commits).
   */
  admission (): (projectId: string, project: { participants?: unknown }) => WriteProblem | null {
    const pending = new Map<string, number>()
    return (projectId, project) => {
      const refused = this.checkWrite(projectId, project, pending)
      if (refused || this.state !== 'ready') return refused
      const distinct = new Set(participantIds(project))
      for (const id of distinct) pending.set(id, (pending.get(id) ?? 0) + distinct.size - 1)
      return null
    }
  }

  /** Every organisation the seeker carried out a project with. */
  pastPartners (seeker: string): string[] {
    const h = this.history
    const me = h.orgs.of(seeker)
    if (me === undefined) return []
    const partners = this.seekerSide
    h.partnersOf(me, partners)
    const out = new Array<string>(partners.size)
    for (let i = 0; i < partners.size; i++) out[i] = h.orgs.id(partners.list[i] as number)
    return out
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
    const h = this.history
    const me = h.orgs.of(seeker)
    if (me === undefined) return []
    const direct = this.seekerSide
    direct.reset(h.orgs.span)
    if (this.closeness.length < h.orgs.span) this.closeness = new Float64Array(Math.max(h.orgs.span, this.closeness.length * 2))
    const closeness = this.closeness
    const own = h.projectsOf.arena
    const members = h.members.arena
    for (let i = h.projectsOf.start(me), end = i + h.projectsOf.length(me); i < end; i++) {
      const p = own[i] as number
      const n = h.size(p)
      const weight = this.recency(p) / Math.max(1, n - 1) * (limits.programme && h.programmeName(p) === limits.programme ? 2 : 1)
      for (let j = h.members.start(p), stop = j + n; j < stop; j++) {
        const m = members[j] as number
        if (m === me) continue
        if (!direct.has(m)) closeness[m] = 0
        direct.add(m)
        closeness[m] = (closeness[m] as number) + weight
      }
    }
    // Past partners in the order first met, scored above any partner of a partner (a resource
    // allocation is at most the seeker's partner count).
    function * pastPartnerScores (): Iterable<[string, number]> {
      for (let i = 0; i < direct.size; i++) {
        const m = direct.list[i] as number
        yield [h.orgs.id(m), 1_000_000 + (closeness[m] as number)]
      }
    }
    // Only the best few of each list are kept (topK): a hub's thousands of partners, and their
    // partners, are never sorted whole.
    const out: RankedOrg[] = topK(pastPartnerScores(), limits.partners)
    if (out.length >= limits.total) return out
    // Resource allocation through the closest partners only (at most BRIDGES of them): a hub's
    // partners' partners run to tens of thousands, and a far partner passes little on anyway.
    // Each reached organisation's allocation sums its shares in the order of the bridges, whatever
    // the order organisations are reached in (topK orders by score, then id).
    const bridges = out.length <= BRIDGES ? out : topK(pastPartnerScores(), BRIDGES)
    const theirs = this.bridgeSide
    const reached = this.reached
    reached.reset(h.orgs.span)
    if (this.allocation.length < h.orgs.span) this.allocation = new Float64Array(Math.max(h.orgs.span, this.allocation.length * 2))
    const allocation = this.allocation
    for (const { id: partner } of bridges) {
      h.partnersOf(h.orgs.of(partner) as number, theirs)
      const share = 1 / theirs.size
      for (let k = 0; k < theirs.size; k++) {
        const m = theirs.list[k] as number
        if (m === me || direct.has(m)) continue
        if (!reached.has(m)) allocation[m] = 0
        reached.add(m)
        allocation[m] = (allocation[m] as number) + share
      }
    }
    function * allocations (): Iterable<[string, number]> {
      for (let i = 0; i < reached.size; i++) {
        const m = reached.list[i] as number
        yield [h.orgs.id(m), allocation[m] as number]
      }
    }
    return [...out, ...topK(allocations(), limits.total - out.length)]
  }

  /** The organisations most active in a programme area (most projects), for programme context. */
  leaders (programme: string, limit: number): RankedOrg[] {
    const h = this.history
    let ranked = this.leadersCache.get(programme)
    if (!ranked) {
      ranked = h.programmeRanking(programme)
      // An area the history does not hold is not remembered: requests name any area they like.
      if (ranked.orgs.length > 0) this.leadersCache.set(programme, ranked)
    }
    const out: RankedOrg[] = []
    for (let i = 0; i < Math.min(limit, ranked.orgs.length); i++) out.push({ id: h.orgs.id(ranked.orgs[i] as number), score: ranked.counts[i] as number })
    return out
  }

  /**
   * Collaboration-history signals for one seeker and a set of candidates. The seeker's partners are
   * worked out once, each candidate's from its projects; the partners in common are found by walking
   * the smaller of the two lists (in its order: the sums run as they always did).
   * `programme` is the area the partnership is for (the `area` measure counts shared projects in it).
   */
  signals (seeker: string | null, candidates: readonly string[], programme?: string): GraphSignals {
    const out: GraphSignals = { sharedProjects: new Map(), sharedPartners: new Map(), ties: new Map(), programmes: new Map(), seekerProgrammes: new Set() }
    const h = this.history
    const me = seeker === null ? undefined : h.orgs.of(seeker)
    const mine = this.seekerSide
    const theirs = this.candidateSide
    const myProjects = this.myProjects
    const theirProjects = this.theirProjects
    let myTies = 0
    if (me !== undefined) {
      for (const p of h.programmeCounts(me).keys()) out.seekerProgrammes.add(p)
      h.partnersOf(me, mine)
      myTies = h.ties[me] as number
      projectSet(h, me, myProjects)
    }
    for (const c of candidates) {
      const them = h.orgs.of(c)
      if (them === undefined) continue
      const programmes = h.programmeCounts(them)
      if (programmes.size > 0) out.programmes.set(c, programmes)
      if (me === undefined) continue
      const tie: Tie = { recent: 0, area: 0, strength: 0, allocation: 0, walk: 0, salton: 0 }
      if (mine.has(them)) {
        projectSet(h, them, theirProjects)
        const [small, large] = h.projectsOf.length(me) <= h.projectsOf.length(them) ? [me, theirProjects] : [them, myProjects]
        const together: string[] = []
        const own = h.projectsOf.arena
        for (let i = h.projectsOf.start(small), end = i + h.projectsOf.length(small); i < end; i++) {
          const p = own[i] as number
          if (!large.has(p)) continue
          together.push(h.projects.id(p))
          tie.recent += this.recency(p)
          tie.strength += 1 / Math.max(1, h.size(p) - 1)
          if (programme && h.programmeName(p) === programme) tie.area++
        }
        out.sharedProjects.set(c, together.sort())
      }
      // Partners in common: neither the candidate nor the seeker counts (neither is its own partner).
      // What a common partner z adds: its resource share 1 / |partners(z)|, and the walk's
      // P(seeker → z) / Σ ties(z) times the ties of z with the candidate. A seeker without partners
      // has none in common with anyone: the candidate's partners are not worked out.
      if (mine.size === 0) continue
      h.partnersOf(them, theirs)
      let common = 0
      if (mine.size <= theirs.size) {
        for (let i = 0; i < mine.size; i++) {
          const x = mine.list[i] as number
          if (x === them) continue
          const shared = theirs.shared(x)
          if (shared === 0) continue
          common++
          tie.allocation += 1 / h.partnerCount(x)
          tie.walk += mine.shared(x) / myTies / (h.ties[x] as number) * shared
        }
      } else {
        for (let i = 0; i < theirs.size; i++) {
          const x = theirs.list[i] as number
          if (x === me) continue
          const n = mine.shared(x)
          if (n === 0) continue
          common++
          tie.allocation += 1 / h.partnerCount(x)
          tie.walk += n / myTies / (h.ties[x] as number) * theirs.shared(x)
        }
      }
      if (common > 0) {
        out.sharedPartners.set(c, common)
        tie.salton = common / Math.sqrt(mine.size * theirs.size)
      }
      if (tie.strength > 0 || common > 0) out.ties.set(c, tie)
    }
    return out
  }

  /** A project's weight by age: 1 for the latest start in the graph, halving every two years before it; 0.5 when its start is unknown. */
  private recency (p: number): number {
    const start = this.history.startOf[p] as number
    const present = this.history.present
    if (Number.isNaN(start) || present === null) return 0.5
    return 2 ** (-(present - start) / 2)
  }

  /** Starts using a history read from the store. */
  private use (history: CollaborationHistory): void {
    this.history = history
    this.leadersCache = new Map()
    this.state = 'ready'
    this.reason = null
    this.version++
    this.options.log?.info(`collaboration graph: ${history.participations} participations in ${history.projects.size} projects of ${history.orgs.size} organisations, ${(this.bytes / 2 ** 20).toFixed(1)} MB of ${(this.budget / 2 ** 20).toFixed(0)} MB`)
  }

  /** Drops the history: matching goes on without collaboration signals, and usage() says why. */
  private off (reason: string): void {
    this.history = new CollaborationHistory()
    this.leadersCache = new Map()
    this.pending.clear()
    this.state = 'off'
    this.reason = reason
    this.version++
    this.options.log?.warn(`collaboration graph OFF, partner matching goes on without collaboration signals: ${reason}`)
  }

  /** Reads the whole history again once `retryMs` have passed since the last read (at most one read waits). */
  private retryLater (): void {
    if (this.retry || this.unlisten === null) return
    this.retry = setTimeout(() => {
      this.retry = null
      this.reload().catch(() => {})
    }, Math.max(0, this.lastRead + this.retryMs - Date.now()))
    this.retry.unref()
  }

  private changed (projectId: string): void {
    // Off: the history is not held, so there is nothing to change; the change may have made it fit.
    if (this.state === 'off') return this.retryLater()
    this.pending.add(projectId)
    if (this.pending.size > 1) return // a read is already queued and will take this id too
    this.enqueue(async () => {
      const ids = [...this.pending]
      this.pending.clear()
      for (let i = 0; i < ids.length && this.state === 'ready'; i += CHANGE_BATCH) {
        const batch = ids.slice(i, i + CHANGE_BATCH)
        const rows = await this.db.selectFrom('project_participants').select(['project_id', 'organization_id', 'programme', 'start'])
          .where('project_id', 'in', batch).execute()
        for (const id of batch) this.unlink(id)
        for (const project of group(rows)) this.link(project)
        this.version++
        if (this.history.bytes > this.budget) {
          this.off(`the collaboration history grew to ${this.history.participations} participations, ${(this.history.bytes / 2 ** 20).toFixed(1)} MB, over its ${(this.budget / 2 ** 20).toFixed(1)} MB (GRAPH_MEMORY_MB)`)
          this.retryLater()
        }
      }
    }).catch(() => {})
  }

  private enqueue (task: () => Promise<void>): Promise<void> {
    // A failed read must not stop later ones; the next gap or change reads again.
    this.work = this.work.then(task).catch(() => {})
    return this.work
  }

  private link (project: ProjectLink): void {
    this.history.link(project)
    if (project.programme) this.leadersCache.delete(project.programme)
  }

  private unlink (projectId: string): void {
    const unlinked = this.history.unlink(projectId)
    if (!unlinked) return
    // A released organisation index may be handed to another organisation: no ranking may keep it.
    if (unlinked.orgsReleased) this.leadersCache.clear()
    else if (unlinked.programme) this.leadersCache.delete(unlinked.programme)
  }
}

/** The organisation ids a project record lists as participants, in order. */
function participantIds (project: { participants?: unknown }): string[] {
  return Array.isArray(project.participants) ? (project.participants as Array<{ organizationId: string }>).map((p) => p.organizationId) : []
}

/** The projects of `org` as a set (a Neighbourhood over project indices). */
function projectSet (h: CollaborationHistory, org: number, into: Neighbourhood): void {
  into.reset(h.projects.span)
  const own = h.projectsOf.arena
  for (let i = h.projectsOf.start(org), end = i + h.projectsOf.length(org); i < end; i++) into.add(own[i] as number)
}

/** Participation rows grouped by project (an organisation appears once per project). */
function group (rows: readonly ParticipationRow[]): ProjectLink[] {
  const projects = new Map<string, { id: string, programme: string | null, start: number | null, members: string[], seen: Set<string> }>()
  for (const r of rows) {
    let p = projects.get(r.project_id)
    if (!p) projects.set(r.project_id, p = { id: r.project_id, programme: r.programme, start: yearOf(r.start), members: [], seen: new Set() })
    if (p.seen.has(r.organization_id)) continue
    p.seen.add(r.organization_id)
    p.members.push(r.organization_id)
  }
  return [...projects.values()].map(({ id, programme, start, members }) => ({ id, programme, start, members }))
}
