import { canonicalCountry } from './countries.ts'
import { Team, type Unit } from './objective.ts'
import { reportRules, type RuleReport } from './rules.ts'
import type { Problem } from './optimiser.ts'

/** What a member adds to the members stated before it (their sum is the objective). */
export interface Gain {
  objective: number
  /** Sought competencies no earlier member covers. */
  covers: string[]
  countries: string[]
  kinds: string[]
  /** Earlier members it carried out a project with (each pair counted once, at the later member). */
  collaborations: string[]
}

export interface Alternative {
  unit: number
  change: { objective: number, coverageGained: string[], coverageLost: string[], rulesBroken: string[] }
}

/** Each member's marginal gain over the members before it, in the team's order. */
export function marginalGains (p: Problem, members: readonly number[], competencies: readonly string[]): Gain[] {
  const team = new Team(p.units, p.competencies, p.weights)
  return members.map((m) => {
    const u = p.units[m] as Unit
    const objective = team.gain(m)
    const covers = [...u.covers.keys()].filter((k) => (team.best[k] as number) === 0).sort((a, b) => a - b).map((k) => competencies[k] as string)
    const countries = u.country && !team.countries.has(canonicalCountry(u.country)) ? [u.country] : []
    const kinds = u.kind && !team.kinds.has(u.kind) ? [u.kind] : []
    const collaborations = team.members.filter((x) => u.links.has(x)).map((x) => (p.units[x] as Unit).id)
    team.add(m)
    return { objective, covers, countries, kinds, collaborations }
  })
}

/** The sought competencies a set of members covers (indices). */
export function covered (units: readonly Unit[], members: readonly number[]): Set<number> {
  const out = new Set<number>()
  for (const m of members) for (const k of (units[m] as Unit).covers.keys()) out.add(k)
  return out
}

const ruleKey = (r: RuleReport) => r.rule === 'requiredKind' ? `requiredKind:${r.kind}` : r.rule

/**
 * For a proposed member, the best `count` candidates to swap in: the team with the candidate in its
 * place, what that changes (objective delta, competencies gained and lost, rules the team meets that
 * it would break). Swaps that break no rule come first, then by objective.
 */
export function alternativesFor (p: Problem, members: readonly number[], member: number, count: number, competencies: readonly string[], asked: Parameters<typeof reportRules>[2]): Alternative[] {
  if (count <= 0) return []
  const w = p.weights
  const team = Team.of(p.units, p.competencies, members, w)
  const before = reportRules(team, p.rules, asked)
  const metBefore = new Set(before.filter((r) => r.met).map(ruleKey))
  const had = covered(p.units, members)
  const inside = new Set(members)
  const options: Array<Alternative & { broken: number }> = []
  for (const e of p.candidates) {
    if (inside.has(e)) continue
    const next = members.map((x) => x === member ? e : x)
    const t = Team.of(p.units, p.competencies, next, w)
    const after = reportRules(t, p.rules, asked)
    const rulesBroken = after.filter((r) => !r.met && metBefore.has(ruleKey(r))).map(ruleKey)
    const has = covered(p.units, next)
    options.push({
      unit: e,
      broken: rulesBroken.length,
      change: {
        objective: t.value - team.value,
        coverageGained: [...has].filter((k) => !had.has(k)).sort((a, b) => a - b).map((k) => competencies[k] as string),
        coverageLost: [...had].filter((k) => !has.has(k)).sort((a, b) => a - b).map((k) => competencies[k] as string),
        rulesBroken
      }
    })
  }
  options.sort((a, b) => a.broken - b.broken || b.change.objective - a.change.objective || a.unit - b.unit)
  return options.slice(0, count).map(({ unit, change }) => ({ unit, change }))
}
