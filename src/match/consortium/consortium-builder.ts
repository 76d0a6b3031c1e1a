import type { Concepts } from '../../concepts/concepts.ts'
import type { PartnerResult } from '../match-schemas.ts'
import { PhraseJudge } from '../phrase-judge.ts'
import type { Seeker } from '../seeker.ts'
import type { PhaseMarks } from '../phase-marks.ts'
import { gatherCandidates, type CandidateSources } from './candidates.ts'
import { OBJECTIVE_WEIGHTS, Team, terms, type Unit } from './objective.ts'
import { optimise, type OptimiseOptions, type Problem } from './optimiser.ts'
import { reportRules, type Rules } from './rules.ts'
import { alternativesFor, marginalGains } from './explain.ts'
import type { ConsortiumReply } from './schemas.ts'

/** The organisation a consortium is built for (the seeker itself, or a proposal's author). */
export interface SeekerMember { id: string, name: string, country: string, kind: string, group: string | null }

/** An organisation named in `include`, as stored (used when the index does not hold it yet). */
export interface IncludedRecord { id: string, name: string, country: string, kind: string, group: string | null }

export interface ConsortiumRequest {
  seeker: Seeker
  /** The seeker's organisation as a member; null for free text (or a proposal without an author organisation). */
  member: SeekerMember | null
  model: string | null
  programme?: string
  rules: Rules
  /** Which rules the caller asked for (reported even when met); size is always reported. */
  asked: { minCountries: boolean, minEuCountries: boolean, onePerGroup: boolean }
  include: readonly IncludedRecord[]
  exclude: readonly string[]
  alternatives: number
  explain: boolean
  timing?: PhaseMarks
  optimiser?: OptimiseOptions
}

export type ConsortiumAnswer = Omit<ConsortiumReply, 'semanticMatching' | 'notice' | 'noticeCode'>

const round = (x: number) => Math.round(x * 10_000) / 10_000

const SEEKER_REASONS: PartnerResult['reasons'] = { matched: [], matchedBack: [], sharedS3Areas: [], sharedSectors: [], sameRegion: false, pastProjects: [], sharedPartners: 0, programmes: [], summary: ['The organisation the consortium is built for'] }

/**
 * Builds a consortium (docs/ranking.md, "Consortium building"): gathers and scores candidates through
 * the partner matcher, states what each covers of the sought competencies through the phrase judge
 * (the partner route's reasons), chooses the team (optimiser.ts) and explains it member by member.
 */
export class ConsortiumBuilder {
  constructor (private readonly src: CandidateSources, private readonly concepts: Concepts) {}

  /** The problem the optimiser solves, and what answering it needs (the route and the bench call this). */
  async problem (r: ConsortiumRequest): Promise<{ problem: Problem, units: Unit[], results: Map<number, PartnerResult>, competencies: string[] }> {
    const { seeker } = r
    const competencies = seeker.seeks.map((p) => p.text)
    const index = new Map(competencies.map((c, i) => [c.trim().toLowerCase(), i]))
    const gathered = await gatherCandidates(this.src, {
      seeker,
      model: r.model,
      ...(r.programme ? { programme: r.programme } : {}),
      include: r.include.map((o) => o.id),
      exclude: r.exclude,
      ...(r.timing ? { timing: r.timing } : {})
    })
    const units: Unit[] = []
    const results = new Map<number, PartnerResult>()
    const at = new Map<string, number>()
    const fixed: number[] = []
    if (r.member) {
      const judge = new PhraseJudge(this.concepts, r.model)
      const covers = new Map<number, number>()
      seeker.seeks.forEach((k, i) => {
        for (const o of seeker.offers) {
          const j = judge.judge(k.text, k.vector, o.text, o.vector)
          if (j.strength !== null && j.similarity > (covers.get(i) ?? 0)) covers.set(i, Math.min(1, j.similarity))
        }
      })
      at.set(r.member.id, units.length)
      fixed.push(units.length)
      units.push({ id: r.member.id, score: null, country: r.member.country, kind: r.member.kind, group: r.member.group, covers, links: new Set() })
    }
    for (const res of gathered.results) {
      if (at.has(res.id)) continue
      const covers = new Map<number, number>()
      for (const m of res.reasons.matched) {
        const k = index.get(m.sought.trim().toLowerCase())
        if (k !== undefined && m.similarity > (covers.get(k) ?? 0)) covers.set(k, Math.min(1, m.similarity))
      }
      at.set(res.id, units.length)
      results.set(units.length, res)
      units.push({ id: res.id, score: res.score, country: res.country ?? '', kind: res.kind, group: gathered.groups.get(res.id) ?? null, covers, links: new Set() })
    }
    for (const o of r.include) {
      // An included organisation the index does not hold (yet): a member as stored, unscored.
      if (!at.has(o.id)) {
        at.set(o.id, units.length)
        units.push({ id: o.id, score: 0, country: o.country, kind: o.kind, group: o.group, covers: new Map(), links: new Set() })
      }
      const i = at.get(o.id) as number
      if (!fixed.includes(i)) fixed.push(i)
    }
    for (const [id, partners] of gathered.links) {
      const i = at.get(id)
      if (i === undefined) continue
      for (const p of partners) {
        const j = at.get(p)
        if (j !== undefined && j !== i) { (units[i] as Unit).links.add(j); (units[j] as Unit).links.add(i) }
      }
    }
    const fixedSet = new Set(fixed)
    const candidates = units.map((_, i) => i).filter((i) => !fixedSet.has(i))
    return { problem: { units, competencies: competencies.length, fixed, candidates, rules: r.rules, weights: OBJECTIVE_WEIGHTS }, units, results, competencies }
  }

  async build (r: ConsortiumRequest): Promise<ConsortiumAnswer> {
    const { problem, units, results, competencies } = await this.problem(r)
    const solution = optimise(problem, r.optimiser)
    r.timing?.mark('optimise')
    const members = solution.members
    const team = Team.of(units, problem.competencies, members, problem.weights)
    const asked = { ...r.asked, include: r.include.map((o) => o.id) }
    const gains = marginalGains(problem, members, competencies)
    const coversOf = (i: number) => [...(units[i] as Unit).covers.keys()].sort((a, b) => a - b).map((k) => competencies[k] as string)
    const fixed = new Set(problem.fixed)
    const describe = (i: number) => {
      const u = units[i] as Unit
      const res = results.get(i)
      return { organizationId: u.id, name: res?.name ?? (r.member?.id === u.id ? r.member.name : r.include.find((o) => o.id === u.id)?.name ?? u.id), country: u.country, kind: u.kind }
    }
    const out: ConsortiumAnswer['members'] = members.map((i, n) => {
      const u = units[i] as Unit
      const res = results.get(i)
      const role = r.member?.id === u.id ? 'seeker' as const : fixed.has(i) ? 'included' as const : 'proposed' as const
      const g = gains[n] as ReturnType<typeof marginalGains>[number]
      const alternatives = role === 'proposed'
        ? alternativesFor(problem, members, i, r.alternatives, competencies, asked).map((a) => ({
          ...describe(a.unit),
          score: (units[a.unit] as Unit).score ?? 0,
          covers: coversOf(a.unit),
          change: { ...a.change, objective: round(a.change.objective) }
        }))
        : []
      return {
        ...describe(i),
        role,
        score: u.score,
        covers: coversOf(i),
        reasons: res?.reasons ?? SEEKER_REASONS,
        ...(r.explain && res?.features ? { features: res.features } : {}),
        gain: { ...g, objective: round(g.objective) },
        alternatives
      }
    })
    const sought = competencies.map((c, k) => ({ competency: c, coveredBy: members.filter((i) => (units[i] as Unit).covers.has(k)).map((i) => (units[i] as Unit).id) }))
    const uncovered = sought.filter((s) => s.coveredBy.length === 0).map((s) => s.competency)
    const t = terms(units, members, problem.competencies, problem.weights)
    return {
      method: solution.method,
      objective: round(team.value),
      bound: round(solution.bound),
      members: out,
      coverage: { sought, uncovered, share: competencies.length > 0 ? round((competencies.length - uncovered.length) / competencies.length) : 1 },
      rules: reportRules(team, r.rules, asked),
      ...(r.explain ? { terms: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v)])) as ConsortiumAnswer['terms'] } : {})
    }
  }
}
