import { canonicalCountry, isEuOrAssociated } from './countries.ts'

/**
 * The consortium's objective, a function of a set of organisations (docs/ranking.md, "Consortium
 * building"):
 *
 *   f(S) = Σ score(m)                       the partner ranker's score of each member but the seeker
 *        + COVER   × Σ_k max_m cover(m, k)  each sought competency, by its best member (0..1 each)
 *        + PAIR    × pairs(S)               pairs of members that carried out a project together
 *        + COUNTRY × |countries(S)|         diversity: distinct countries
 *        + KIND    × |kinds(S)|             diversity: distinct organisation kinds
 *        − COST    × |S without the seeker| each member must bring more than it costs
 *
 * cover(m, k) is the similarity of the best stated match of competency k among m's competencies (the
 * phrase judge that states the partner route's reasons: same words, same concept in either language,
 * or the model where its calibration for the language pair holds); 0 when nothing is stated.
 * Everything but the pairs term is monotone submodular (modular plus coverage functions) once the
 * per-member cost is added back; the pairs term is supermodular, which is why the optimiser bounds it
 * apart (optimiser.ts).
 */
export interface ObjectiveWeights {
  cover: number
  pair: number
  country: number
  kind: number
  cost: number
}

/**
 * The weights. PAIR, COUNTRY and KIND are 0 by default, chosen on the tune half of the Horizon 2020
 * evaluation (bench/consortium.ts, BENCH_HALF=tune, 300 projects, set recall of the real consortium):
 * every positive value tried lowered it against the plain ranker scores (country and kind 0.1 with
 * pair 0.05: −0.046 ± 0.008 paired; pair 0.05 alone −0.018 ± 0.005; even country and kind 0.005 with
 * pair 0.01 −0.011), while all three at 0 lost −0.007 ± 0.003, the price of the minCountries rule. The
 * ranker's own score already counts a candidate's collaborations with the seeker; diversity is what a
 * call asks for, so it is a rule (minCountries, requiredKinds), not a bonus. The terms stay in the
 * objective for a caller that wants them (explain shows each).
 */
export const OBJECTIVE_WEIGHTS: ObjectiveWeights = { cover: 1, pair: 0, country: 0, kind: 0, cost: 0.6 }

/** One organisation the optimiser can place in the team (the seeker, an included one, a candidate). */
export interface Unit {
  id: string
  /** The partner ranker's score; null for the seeker (it is not ranked against itself). */
  score: number | null
  country: string
  kind: string
  /** Its organisation group (a parent company); null: a group of its own. */
  group: string | null
  /** Competency index → cover (0..1], only those it covers. */
  covers: Map<number, number>
  /** Indices of the units it carried out a project with. */
  links: Set<number>
}

/** What a team's objective is made of (explain=true). */
export interface Terms {
  scores: number
  coverage: number
  collaborations: number
  countries: number
  kinds: number
  memberCost: number
}

/** The objective of a set of units, term by term, worked out from scratch (teams are small). */
export function terms (units: readonly Unit[], members: readonly number[], competencies: number, w: ObjectiveWeights = OBJECTIVE_WEIGHTS): Terms {
  const best = new Float64Array(competencies)
  const countries = new Set<string>()
  const kinds = new Set<string>()
  let scores = 0
  let paid = 0
  let pairs = 0
  const inTeam = new Set(members)
  for (const i of members) {
    const u = units[i] as Unit
    if (u.score !== null) { scores += u.score; paid++ }
    for (const [k, v] of u.covers) if (v > (best[k] as number)) best[k] = v
    if (u.country) countries.add(canonicalCountry(u.country))
    if (u.kind) kinds.add(u.kind)
    for (const j of u.links) if (j > i && inTeam.has(j)) pairs++
  }
  let coverage = 0
  for (const v of best) coverage += v
  return {
    scores,
    coverage: w.cover * coverage,
    collaborations: w.pair * pairs,
    countries: w.country * countries.size,
    kinds: w.kind * kinds.size,
    memberCost: -w.cost * paid
  }
}

export function total (t: Terms): number {
  return t.scores + t.coverage + t.collaborations + t.countries + t.kinds + t.memberCost
}

export function objective (units: readonly Unit[], members: readonly number[], competencies: number, w: ObjectiveWeights = OBJECTIVE_WEIGHTS): number {
  return total(terms(units, members, competencies, w))
}

/**
 * A team being built, with what an addition's gain needs kept up to date: the best cover of each
 * competency, the countries and kinds present. gain(e) is f(S ∪ {e}) − f(S) exactly.
 */
export class Team {
  readonly members: number[] = []
  readonly inTeam = new Set<number>()
  readonly best: Float64Array
  readonly countries = new Map<string, number>()
  readonly euCountries = new Map<string, number>()
  readonly kinds = new Map<string, number>()
  readonly groups = new Map<string, number>()
  value = 0

  constructor (readonly units: readonly Unit[], readonly competencies: number, readonly w: ObjectiveWeights = OBJECTIVE_WEIGHTS) {
    this.best = new Float64Array(competencies)
  }

  static of (units: readonly Unit[], competencies: number, members: readonly number[], w: ObjectiveWeights = OBJECTIVE_WEIGHTS): Team {
    const t = new Team(units, competencies, w)
    for (const m of members) t.add(m)
    return t
  }

  /** f(S ∪ {e}) − f(S). */
  gain (e: number): number {
    const u = this.units[e] as Unit
    const w = this.w
    let g = u.score === null ? 0 : u.score - w.cost
    for (const [k, v] of u.covers) {
      const b = this.best[k] as number
      if (v > b) g += w.cover * (v - b)
    }
    let links = 0
    for (const m of this.members) if (u.links.has(m)) links++
    g += w.pair * links
    if (u.country && !this.countries.has(canonicalCountry(u.country))) g += w.country
    if (u.kind && !this.kinds.has(u.kind)) g += w.kind
    return g
  }

  add (e: number): void {
    this.value += this.gain(e)
    const u = this.units[e] as Unit
    this.members.push(e)
    this.inTeam.add(e)
    for (const [k, v] of u.covers) if (v > (this.best[k] as number)) this.best[k] = v
    if (u.country) {
      const c = canonicalCountry(u.country)
      this.countries.set(c, (this.countries.get(c) ?? 0) + 1)
      if (isEuOrAssociated(u.country)) this.euCountries.set(c, (this.euCountries.get(c) ?? 0) + 1)
    }
    if (u.kind) this.kinds.set(u.kind, (this.kinds.get(u.kind) ?? 0) + 1)
    const g = groupOf(u)
    this.groups.set(g, (this.groups.get(g) ?? 0) + 1)
  }

  /** Whether e's group is already in the team. */
  groupTaken (e: number): boolean {
    return this.groups.has(groupOf(this.units[e] as Unit))
  }
}

export const groupOf = (u: Unit): string => u.group ?? `\u0000${u.id}`
