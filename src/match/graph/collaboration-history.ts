import { Interner } from './interner.ts'
import { IntLists } from './int-lists.ts'
import type { Neighbourhood } from './neighbourhood.ts'

/** One row of `project_participants` as the graph reads it. */
export interface ParticipationRow { project_id: string, organization_id: string, programme: string | null, start?: string | null }

/** A project as the history links it: its members are distinct organisation ids, in the store's order. */
export interface ProjectLink { id: string, programme: string | null, start: number | null, members: readonly string[] }

/** What unlinking a project changed beyond it: its programme area's ranking, and whether organisations left the history. */
export interface Unlinked { programme: string | null, orgsReleased: boolean }

/**
 * Who carried out which project with whom, stored as the participations themselves and nothing
 * pairwise: organisation and project ids interned as integers, each project's members and each
 * organisation's projects as integer lists (IntLists), per-project and per-organisation values in
 * typed arrays. Its size is linear in the participations: a project of 500 members costs 500
 * entries each way (a few kilobytes), not the 250,000 partner pairs a pairwise map holds.
 * Partners, partners of partners and tie measures are worked out from it per request
 * (CollaborationGraph), from the organisations' projects.
 */
export class CollaborationHistory {
  readonly orgs: Interner
  readonly projects: Interner
  readonly programmes: Interner
  /** Project → its members (organisation indices), in the order the store listed them. */
  readonly members: IntLists
  /** Organisation → its projects (project indices), in the order they were linked. */
  readonly projectsOf: IntLists
  /** Project → programme index, -1 for none. */
  programmeOf = new Int32Array(16).fill(-1)
  /** Project → start as a fractional year, NaN when unknown. */
  startOf = new Float64Array(16)
  /** Organisation → Σ over its projects of (members − 1): the random walk's normaliser, and what GRAPH_MAX_ORG_TIES bounds. */
  ties = new Int32Array(16)
  /** Organisation → its number of distinct partners once worked out, -1 until then (and after a change of one of its projects). */
  private partnerCounts = new Int32Array(16).fill(-1)
  /** Programme → projects in it (an area with none is released). */
  private programmeUses = new Int32Array(16)
  private seen = new Uint32Array(16)
  private epoch = 0
  /** Latest project start (fractional year) linked since the history was read: recency counts back from it. */
  present: number | null = null
  /** Live (project, organisation) pairs. */
  participations = 0

  constructor (ids?: HistoryIds, sizes: { projects: number, participations: number } = { projects: 16, participations: 64 }) {
    this.orgs = ids?.orgs ?? new Interner()
    this.projects = ids?.projects ?? new Interner()
    this.programmes = ids?.programmes ?? new Interner()
    this.members = new IntLists(sizes.projects, sizes.participations)
    this.projectsOf = new IntLists(16, 64)
    this.fit()
  }

  /**
   * The history of rows read in the store's order (HistoryBuilder): projects linked in the order of
   * their first row, their members in row order (a member listed twice counts once), each project's
   * programme area and start as its first row gave them. The lists are laid out once, at their size.
   */
  static laidOut (rows: BuiltRows): CollaborationHistory {
    const { ids, rowProject, rowOrg, count, programmeOf, startOf } = rows
    const projects = ids.projects.span
    const orgs = ids.orgs.span
    const h = new CollaborationHistory(ids, { projects, participations: count })
    // Rows grouped by project, in row order within each (a counting sort).
    const offsets = new Int32Array(projects + 1)
    for (let r = 0; r < count; r++) {
      const at = (rowProject[r] as number) + 1
      offsets[at] = (offsets[at] as number) + 1
    }
    for (let p = 0; p < projects; p++) offsets[p + 1] = (offsets[p + 1] as number) + (offsets[p] as number)
    const next = offsets.slice(0, projects)
    const grouped = new Int32Array(count)
    for (let r = 0; r < count; r++) {
      const p = rowProject[r] as number
      grouped[next[p] as number] = rowOrg[r] as number
      next[p] = (next[p] as number) + 1
    }
    const seen = new Int32Array(orgs).fill(-1)
    const perOrg = new Int32Array(orgs)
    let buffer = new Int32Array(16)
    for (let p = 0; p < projects; p++) {
      const from = offsets[p] as number
      const to = offsets[p + 1] as number
      if (buffer.length < to - from) buffer = new Int32Array(to - from)
      let n = 0
      for (let i = from; i < to; i++) {
        const o = grouped[i] as number
        if (seen[o] === p) continue
        seen[o] = p
        buffer[n++] = o
        perOrg[o] = (perOrg[o] as number) + 1
      }
      h.members.assign(p, buffer, n)
      for (let i = 0; i < n; i++) {
        const o = buffer[i] as number
        h.ties[o] = (h.ties[o] as number) + n - 1
      }
      h.participations += n
      const g = programmeOf[p] as number
      h.programmeOf[p] = g
      if (g >= 0) h.programmeUses[g] = (h.programmeUses[g] as number) + 1
      const start = startOf[p] as number
      h.startOf[p] = start
      if (!Number.isNaN(start) && (h.present === null || start > h.present)) h.present = start
    }
    h.projectsOf.reserveLists(orgs)
    for (let o = 0; o < orgs; o++) h.projectsOf.reserve(o, perOrg[o] as number)
    const arena = h.members.arena
    for (let p = 0; p < projects; p++) {
      for (let j = h.members.start(p), stop = j + h.members.length(p); j < stop; j++) h.projectsOf.push(arena[j] as number, p)
    }
    return h
  }

  /** Links a project that is not in the history. */
  link (project: ProjectLink): void {
    const p = this.projects.intern(project.id)
    const g = project.programme === null ? -1 : this.programmes.intern(project.programme)
    const members = project.members.map((id) => this.orgs.intern(id))
    this.fit()
    if (g >= 0) this.programmeUses[g] = (this.programmeUses[g] as number) + 1
    this.programmeOf[p] = g
    this.startOf[p] = project.start ?? NaN
    if (project.start !== null && (this.present === null || project.start > this.present)) this.present = project.start
    this.members.assign(p, members)
    for (const o of members) {
      this.projectsOf.push(o, p)
      this.ties[o] = (this.ties[o] as number) + members.length - 1
      this.partnerCounts[o] = -1
    }
    this.participations += members.length
  }

  /** Unlinks a project; null when it is not in the history. */
  unlink (id: string): Unlinked | null {
    const p = this.projects.of(id)
    if (p === undefined) return null
    const n = this.members.length(p)
    const from = this.members.start(p)
    let orgsReleased = false
    for (let i = from; i < from + n; i++) {
      const o = this.members.arena[i] as number
      this.projectsOf.remove(o, p)
      this.ties[o] = (this.ties[o] as number) - (n - 1)
      this.partnerCounts[o] = -1
      if (this.projectsOf.length(o) === 0) {
        this.projectsOf.clear(o)
        this.orgs.release(o)
        this.ties[o] = 0
        orgsReleased = true
      }
    }
    const g = this.programmeOf[p] as number
    const programme = g >= 0 ? this.programmes.id(g) : null
    if (g >= 0) {
      this.programmeUses[g] = (this.programmeUses[g] as number) - 1
      if (this.programmeUses[g] === 0) this.programmes.release(g)
    }
    this.programmeOf[p] = -1
    this.members.clear(p)
    this.projects.release(p)
    this.participations -= n
    return { programme, orgsReleased }
  }

  /** Members of project p: `members.arena[from .. from + size)`. */
  size (p: number): number {
    return this.members.length(p)
  }

  /** The programme area of project p, or null. */
  programmeName (p: number): string | null {
    const g = this.programmeOf[p] as number
    return g >= 0 ? this.programmes.id(g) : null
  }

  /** Fills `into` with the partners of `org` and the projects shared with each (and remembers how many there are). */
  partnersOf (org: number, into: Neighbourhood): void {
    into.reset(this.orgs.span)
    const lists = this.projectsOf
    const own = lists.arena
    const members = this.members.arena
    for (let i = lists.start(org), end = i + lists.length(org); i < end; i++) {
      const p = own[i] as number
      for (let j = this.members.start(p), stop = j + this.members.length(p); j < stop; j++) {
        const m = members[j] as number
        if (m !== org) into.add(m)
      }
    }
    this.partnerCounts[org] = into.size
  }

  /** How many distinct partners `org` has; worked out once per change of its projects. */
  partnerCount (org: number): number {
    const known = this.partnerCounts[org] as number
    if (known >= 0) return known
    if (this.seen.length < this.orgs.span) {
      this.seen = new Uint32Array(Math.max(this.orgs.span, Math.ceil(this.seen.length * 1.5)))
      this.epoch = 0
    }
    if (++this.epoch === 0xffffffff) {
      this.seen.fill(0)
      this.epoch = 1
    }
    const seen = this.seen
    const epoch = this.epoch
    const own = this.projectsOf.arena
    const members = this.members.arena
    let n = 0
    for (let i = this.projectsOf.start(org), end = i + this.projectsOf.length(org); i < end; i++) {
      const p = own[i] as number
      for (let j = this.members.start(p), stop = j + this.members.length(p); j < stop; j++) {
        const m = members[j] as number
        if (m === org || seen[m] === epoch) continue
        seen[m] = epoch
        n++
      }
    }
    this.partnerCounts[org] = n
    return n
  }

  /** Programme area → projects of `org` in it, in the order first met. */
  programmeCounts (org: number): Map<string, number> {
    const out = new Map<string, number>()
    const own = this.projectsOf.arena
    for (let i = this.projectsOf.start(org), end = i + this.projectsOf.length(org); i < end; i++) {
      const g = this.programmeOf[own[i] as number] as number
      if (g < 0) continue
      const name = this.programmes.id(g)
      out.set(name, (out.get(name) ?? 0) + 1)
    }
    return out
  }

  /** Organisations with a project in `programme`, most projects first, then by id; with their counts. */
  programmeRanking (programme: string): { orgs: Int32Array, counts: Int32Array } {
    const g = this.programmes.of(programme)
    if (g === undefined) return { orgs: new Int32Array(0), counts: new Int32Array(0) }
    const counts = new Int32Array(this.orgs.span)
    const touched: number[] = []
    const members = this.members.arena
    for (let p = 0; p < this.projects.span; p++) {
      if (this.programmeOf[p] !== g) continue
      for (let j = this.members.start(p), stop = j + this.members.length(p); j < stop; j++) {
        const m = members[j] as number
        if (counts[m] === 0) touched.push(m)
        counts[m] = (counts[m] as number) + 1
      }
    }
    const ids = this.orgs
    touched.sort((a, b) => (counts[b] as number) - (counts[a] as number) || (ids.id(a) < ids.id(b) ? -1 : ids.id(a) > ids.id(b) ? 1 : 0))
    return { orgs: Int32Array.from(touched), counts: Int32Array.from(touched, (o) => counts[o] as number) }
  }

  /** Bytes the history holds, as accounted (bench/graph-memory.ts compares it with the heap). */
  get bytes (): number {
    return this.orgs.bytes + this.projects.bytes + this.programmes.bytes + this.members.bytes + this.projectsOf.bytes +
      this.programmeOf.byteLength + this.startOf.byteLength + this.ties.byteLength + this.partnerCounts.byteLength +
      this.programmeUses.byteLength + this.seen.byteLength
  }

  /** Sizes the per-project, per-organisation and per-programme arrays to the interners' spans. */
  private fit (): void {
    const projects = this.projects.span
    if (projects > this.programmeOf.length) {
      const size = Math.max(projects, Math.ceil(this.programmeOf.length * 1.5))
      this.programmeOf = grownInt(this.programmeOf, size, -1)
      const start = new Float64Array(size)
      start.set(this.startOf)
      this.startOf = start
    }
    const orgs = this.orgs.span
    if (orgs > this.ties.length) {
      const size = Math.max(orgs, Math.ceil(this.ties.length * 1.5))
      this.ties = grownInt(this.ties, size, 0)
      this.partnerCounts = grownInt(this.partnerCounts, size, -1)
    }
    const programmes = this.programmes.span
    if (programmes > this.programmeUses.length) this.programmeUses = grownInt(this.programmeUses, Math.max(programmes, this.programmeUses.length * 2), 0)
  }
}

/** The interned ids of a history. */
export interface HistoryIds { orgs: Interner, projects: Interner, programmes: Interner }

/** Rows read, as HistoryBuilder hands them to CollaborationHistory.laidOut. */
interface BuiltRows {
  ids: HistoryIds
  rowProject: Int32Array
  rowOrg: Int32Array
  count: number
  /** Per project: programme index (-1 none) and start (NaN unknown), from its first row. */
  programmeOf: Int32Array
  startOf: Float64Array
}

/**
 * Reads the rows of `project_participants` in the order the store returns them, chunk by chunk: a
 * row costs eight bytes (its project and organisation as integers) until `finish()` lays the
 * history out, so that a read can stop as soon as `bytes` passes its budget.
 */
export class HistoryBuilder {
  private readonly ids: HistoryIds = { orgs: new Interner(), projects: new Interner(), programmes: new Interner() }
  private rowProject = new Int32Array(1024)
  private rowOrg = new Int32Array(1024)
  private count = 0
  private programmeOf = new Int32Array(256)
  private startOf = new Float64Array(256)

  add (row: ParticipationRow): void {
    const { projects, orgs, programmes } = this.ids
    const known = projects.span
    const p = projects.intern(row.project_id)
    if (p === known) {
      if (p === this.programmeOf.length) {
        this.programmeOf = grownInt(this.programmeOf, p * 2, 0)
        const start = new Float64Array(p * 2)
        start.set(this.startOf)
        this.startOf = start
      }
      this.programmeOf[p] = row.programme === null ? -1 : programmes.intern(row.programme)
      this.startOf[p] = yearOf(row.start) ?? NaN
    }
    const o = orgs.intern(row.organization_id)
    if (this.count === this.rowProject.length) {
      this.rowProject = grownInt(this.rowProject, this.count * 2, 0)
      this.rowOrg = grownInt(this.rowOrg, this.count * 2, 0)
    }
    this.rowProject[this.count] = p
    this.rowOrg[this.count] = o
    this.count++
  }

  /** Bytes held so far: the interned ids, the rows, the per-project values. */
  get bytes (): number {
    const { projects, orgs, programmes } = this.ids
    return orgs.bytes + projects.bytes + programmes.bytes + this.rowProject.byteLength + this.rowOrg.byteLength + this.programmeOf.byteLength + this.startOf.byteLength
  }

  finish (): CollaborationHistory {
    const { ids, rowProject, rowOrg, count, programmeOf, startOf } = this
    this.rowProject = this.rowOrg = new Int32Array(0)
    return CollaborationHistory.laidOut({ ids, rowProject, rowOrg, count, programmeOf, startOf })
  }
}

/** A date (YYYY-MM-DD) as a fractional year; null when missing or not a date. */
export function yearOf (date: string | null | undefined): number | null {
  if (!date) return null
  const ms = Date.parse(date)
  if (!Number.isFinite(ms)) return null
  return 1970 + ms / (365.25 * 86_400_000)
}

function grownInt (a: Int32Array, size: number, fill: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size)
  if (fill !== 0) b.fill(fill, a.length)
  b.set(a)
  return b
}
