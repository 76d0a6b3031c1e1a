import { OBJECTIVE_WEIGHTS, Team, type ObjectiveWeights, type Unit } from './objective.ts'
import { canonicalCountry } from './countries.ts'
import { meets, needed, violations, type Rules } from './rules.ts'

/** What the optimiser chooses from: the units, the members fixed in advance and the candidates. */
export interface Problem {
  units: readonly Unit[]
  competencies: number
  /** Members that are in every team (the seeker, then the included ones), in that order. */
  fixed: readonly number[]
  /** Units that may be proposed (neither fixed nor excluded), best ranked first. */
  candidates: readonly number[]
  rules: Rules
  weights?: ObjectiveWeights
}

export interface Solution {
  /** The fixed members, then the proposed ones in the order their marginal gains are stated. */
  members: number[]
  objective: number
  method: 'exact' | 'greedy'
  /** An upper bound on the best objective of a team meeting the rules (exact: the objective itself). */
  bound: number
  /** Whether every rule is met. */
  met: boolean
  /** Branch and bound: the nodes visited, and whether it finished within its budget. */
  search?: { nodes: number, work: number, finished: boolean }
}

export interface OptimiseOptions {
  /** Swap moves after the greedy and repair steps (default true). */
  polish?: boolean
  /** The most gain evaluations branch and bound may spend before the greedy team is returned (default 200,000). */
  exactBudget?: number
  /** Skip branch and bound (default false). */
  greedyOnly?: boolean
}

const EPS = 1e-9
/** About 40 ms of one core (bench/consortium-gap.ts, "byBudget"): past it, the greedy team and its bound are returned. */
const EXACT_BUDGET = 200_000

/** The best team: branch and bound when it finishes within its budget, else greedy with repair and its bound. */
export function optimise (p: Problem, options: OptimiseOptions = {}): Solution {
  const g = greedy(p, options)
  if (options.greedyOnly) return g
  const x = exact(p, g.met ? g.objective : -Infinity, options.exactBudget ?? EXACT_BUDGET)
  if (!x.finished) return { ...g, search: x.search }
  if (x.members === null) {
    // Finished without beating the greedy team: it is optimal, or (unmet rules) no team meets them
    // and the greedy team says how close it gets.
    return g.met ? { ...g, method: 'exact', bound: g.objective, search: x.search } : { ...g, search: x.search }
  }
  const members = explainOrder(p, x.members)
  return { members, objective: Team.of(p.units, p.competencies, members, weightsOf(p)).value, method: 'exact', bound: x.value, met: true, search: x.search }
}

const weightsOf = (p: Problem) => p.weights ?? OBJECTIVE_WEIGHTS

/** Links of each candidate to other candidates (the pairs a team of new members can form among themselves). */
function candidateDegrees (p: Problem): Map<number, number> {
  const set = new Set(p.candidates)
  const out = new Map<number, number>()
  for (const e of p.candidates) {
    let d = 0
    for (const j of (p.units[e] as Unit).links) if (set.has(j)) d++
    out.set(e, d)
  }
  return out
}

/**
 * An upper bound on f over teams that contain `team` and add t of `from`, mustAdd ≤ t ≤ slots
 * (docs/ranking.md, "Consortium building"). A candidate's gain splits into a part a (its score less
 * the member cost, its pairs with the team, and half of the most pairs it can form with other new
 * members: the pairs term is not submodular), its coverage gain, and its new country and kind. For t
 * additions: Σ a + coverage ≤ min(the t largest a + coverage, the t largest a + the most coverage
 * still open), and the diversity gain ≤ min(t, new countries available) and min(t, new kinds).
 * The bound is f(S) plus the largest of these over t.
 */
function optimistic (team: Team, from: Iterable<number>, slots: number, mustAdd: number, degrees: ReadonlyMap<number, number>, onePerGroup: boolean, w: ObjectiveWeights): number {
  if (slots <= 0) return team.value
  const full: number[] = []
  const plain: number[] = []
  const push = (top: number[], g: number) => {
    if (top.length < slots) top.push(g)
    else if (g > (top[slots - 1] as number)) top[slots - 1] = g
    else return
    for (let i = top.length - 1; i > 0 && (top[i] as number) > (top[i - 1] as number); i--) [top[i], top[i - 1]] = [top[i - 1] as number, top[i] as number]
  }
  const open = new Float64Array(team.best.length)
  const countries = new Set<string>()
  const kinds = new Set<string>()
  let available = 0
  for (const e of from) {
    if (team.inTeam.has(e) || (onePerGroup && team.groupTaken(e))) continue
    available++
    const u = team.units[e] as Unit
    let a = u.score === null ? 0 : u.score - w.cost
    let links = 0
    for (const m of team.members) if (u.links.has(m)) links++
    a += w.pair * (links + 0.5 * Math.min(slots - 1, degrees.get(e) ?? 0))
    let cover = 0
    for (const [k, v] of u.covers) {
      const gap = v - (team.best[k] as number)
      if (gap > 0) { cover += gap; if (gap > (open[k] as number)) open[k] = gap }
    }
    if (u.country && !team.countries.has(canonicalCountry(u.country))) countries.add(canonicalCountry(u.country))
    if (u.kind && !team.kinds.has(u.kind)) kinds.add(u.kind)
    push(full, a + w.cover * cover)
    push(plain, a)
  }
  let coverMax = 0
  for (const g of open) coverMax += g
  coverMax *= w.cover
  let best = mustAdd > 0 ? -Infinity : 0
  let sumFull = 0
  let sumPlain = 0
  for (let t = 1; t <= Math.min(slots, available); t++) {
    sumFull += full[t - 1] as number
    sumPlain += plain[t - 1] as number
    if (t < mustAdd) continue
    const b = Math.min(sumFull, sumPlain + coverMax) + w.country * Math.min(t, countries.size) + w.kind * Math.min(t, kinds.size)
    if (b > best) best = b
  }
  // Not enough candidates for the minimum: no team here meets the size rule (nothing to bound).
  return best === -Infinity ? -Infinity : team.value + best
}

/**
 * Greedy with a rule-aware choice and a repair step: add the candidate of largest marginal gain whose
 * addition leaves the counting rules reachable with the places left, while the team is below its
 * minimum size or a gain is positive; then, while a rule is unmet, the swap or addition that lowers
 * the violations most (the best objective among them); then swaps, additions and removals that raise
 * the objective without breaking a rule (polish). The bound is Minoux's for the submodular part
 * (min over the greedy steps of f(S_i) plus the best marginal gains w.r.t. S_i) with the member cost
 * and the within-team pairs bounded apart (optimistic above): valid for any team meeting the rules.
 */
export function greedy (p: Problem, options: OptimiseOptions = {}): Solution {
  const w = weightsOf(p)
  const { rules } = p
  const max = rules.size.max
  const degrees = candidateDegrees(p)
  const team = Team.of(p.units, p.competencies, p.fixed, w)
  const slotsTotal = Math.max(0, max - p.fixed.length)
  let bound = Infinity
  const boundHere = () => {
    // f(OPT) ≤ f(S_i) + cost × (members added so far) + Σ top positive optimistic gains.
    const added = team.members.length - p.fixed.length
    bound = Math.min(bound, optimistic(team, p.candidates, slotsTotal, rules.size.min - team.members.length, degrees, rules.onePerGroup, w) + w.cost * added)
  }
  while (team.members.length < max) {
    boundHere()
    const slots = max - team.members.length
    let best = -1
    let bestGain = -Infinity
    let fallback = -1
    let fallbackGain = -Infinity
    for (const e of p.candidates) {
      if (team.inTeam.has(e) || (rules.onePerGroup && team.groupTaken(e))) continue
      const g = team.gain(e)
      if (g > fallbackGain + EPS) { fallback = e; fallbackGain = g }
      if (needed(team, rules, e) > slots - 1) continue
      if (g > bestGain + EPS) { best = e; bestGain = g }
    }
    if (best < 0) { best = fallback; bestGain = fallbackGain }
    if (best < 0) break
    if (team.members.length >= rules.size.min && needed(team, rules) === 0 && bestGain <= EPS) break
    team.add(best)
  }
  boundHere()
  let members = repair(p, team.members, w)
  if (options.polish !== false) members = polish(p, members, w)
  const final = Team.of(p.units, p.competencies, members, w)
  const met = meets(final, rules)
  return { members: explainOrder(p, members), objective: final.value, method: 'greedy', bound: Math.max(bound, final.value), met }
}

/** The moves of one member set: additions, removals (never of a fixed member) and swaps. */
function * moves (p: Problem, members: readonly number[]): Iterable<number[]> {
  const inside = new Set(members)
  const fixed = new Set(p.fixed)
  for (const e of p.candidates) if (!inside.has(e)) yield [...members, e]
  for (let i = 0; i < members.length; i++) {
    const m = members[i] as number
    if (fixed.has(m)) continue
    yield members.filter((x) => x !== m)
    for (const e of p.candidates) if (!inside.has(e)) yield members.map((x) => x === m ? e : x)
  }
}

/** While a rule is unmet: the move that lowers the violations most, the best objective among those. */
function repair (p: Problem, start: readonly number[], w: ObjectiveWeights): number[] {
  let members = [...start]
  let current = Team.of(p.units, p.competencies, members, w)
  let v = violations(current, p.rules)
  while (v > 0) {
    let best: { members: number[], v: number, value: number } | null = null
    for (const next of moves(p, members)) {
      const t = Team.of(p.units, p.competencies, next, w)
      const nv = violations(t, p.rules)
      if (nv >= v) continue
      if (best === null || nv < best.v || (nv === best.v && t.value > best.value + EPS)) best = { members: next, v: nv, value: t.value }
    }
    if (best === null) break
    members = best.members
    current = Team.of(p.units, p.competencies, members, w)
    v = best.v
  }
  return members
}

/** Local search: the best move that raises the objective and breaks no rule the team meets, until none does (at most 20 rounds). */
function polish (p: Problem, start: readonly number[], w: ObjectiveWeights): number[] {
  let members = [...start]
  let current = Team.of(p.units, p.competencies, members, w)
  let v = violations(current, p.rules)
  for (let round = 0; round < 20; round++) {
    let best: { members: number[], value: number } | null = null
    for (const next of moves(p, members)) {
      if (next.length > p.rules.size.max) continue
      const t = Team.of(p.units, p.competencies, next, w)
      if (violations(t, p.rules) > v || t.value <= current.value + 1e-7) continue
      if (best === null || t.value > best.value + EPS) best = { members: next, value: t.value }
    }
    if (best === null) break
    members = best.members
    current = Team.of(p.units, p.competencies, members, w)
    v = violations(current, p.rules)
  }
  return members
}

/**
 * The members in the order their marginal gains are stated: the fixed ones as given, then each time
 * the one that adds most to those before it.
 */
export function explainOrder (p: Problem, members: readonly number[]): number[] {
  const fixed = new Set(p.fixed)
  const team = Team.of(p.units, p.competencies, p.fixed.filter((m) => members.includes(m)), weightsOf(p))
  const rest = members.filter((m) => !fixed.has(m))
  while (rest.length > 0) {
    let at = 0
    let g = -Infinity
    rest.forEach((m, i) => { const x = team.gain(m); if (x > g + EPS) { g = x; at = i } })
    team.add(rest.splice(at, 1)[0] as number)
  }
  return team.members
}

/**
 * Branch and bound over the candidates, best singleton gain first: every team of fixed ∪ T with
 * |T| ≤ max − |fixed| is reached once, a branch is cut when its bound (optimistic above) cannot beat
 * the best team meeting the rules found so far, or when the counting rules need more members than
 * there are places left. Gives up past `budget` gain evaluations.
 */
export function exact (p: Problem, incumbent: number, budget: number): { members: number[] | null, value: number, finished: boolean, search: { nodes: number, work: number, finished: boolean } } {
  const w = weightsOf(p)
  const { rules } = p
  const degrees = candidateDegrees(p)
  const base = Team.of(p.units, p.competencies, p.fixed, w)
  const order = [...p.candidates].sort((a, b) => base.gain(b) - base.gain(a) || a - b)
  let best = incumbent
  let bestMembers: number[] | null = null
  let nodes = 0
  let work = 0
  let aborted = false
  const visit = (start: number, members: number[]): void => {
    if (aborted) return
    nodes++
    const team = Team.of(p.units, p.competencies, members, w)
    if (meets(team, rules) && team.value > best + EPS) { best = team.value; bestMembers = [...members] }
    const slots = rules.size.max - members.length
    if (slots <= 0 || start >= order.length) return
    work += order.length - start
    if (work > budget) { aborted = true; return }
    const bound = optimistic(team, order.slice(start), slots, rules.size.min - members.length, degrees, rules.onePerGroup, w)
    // A team below its minimum size must still grow: the bound counts its best additions, even negative.
    if (bound <= best + EPS) return
    for (let j = start; j < order.length; j++) {
      if (aborted) return
      const e = order[j] as number
      if (rules.onePerGroup && team.groupTaken(e)) continue
      if (needed(team, rules, e) > slots - 1) continue
      members.push(e)
      visit(j + 1, members)
      members.pop()
    }
  }
  visit(0, [...p.fixed])
  const search = { nodes, work, finished: !aborted }
  return { members: aborted ? null : bestMembers, value: best, finished: !aborted, search }
}
