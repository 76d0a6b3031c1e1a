import { canonicalCountry, isEuOrAssociated, PILLAR_TWO_ONLY } from './countries.ts'
import { groupOf, type Team, type Unit } from './objective.ts'

/** A call's rules for the consortium, as constraints (the request's `size` and `rules`, with defaults). */
export interface Rules {
  size: { min: number, max: number }
  minCountries: number
  minEuCountries: number
  requiredKinds: ReadonlyArray<{ kind: string, min: number }>
  onePerGroup: boolean
}

export type RuleName = 'size' | 'minCountries' | 'minEuCountries' | 'requiredKind' | 'onePerGroup' | 'include'

export interface RuleReport {
  rule: RuleName
  required: number
  actual: number
  met: boolean
  kind?: string
  detail?: string
}

/**
 * At least how many more members the counting rules need (distinct countries, EU or associated
 * countries, members of each required kind): one member adds at most one country and one kind, so
 * this is a lower bound, and 0 when they are met.
 */
export function needed (team: Team, rules: Rules, plus?: number): number {
  const u = plus === undefined ? undefined : team.units[plus]
  const c = u?.country ? canonicalCountry(u.country) : null
  const newCountry = c !== null && !team.countries.has(c) ? 1 : 0
  const newEu = c !== null && u !== undefined && isEuOrAssociated(u.country) && !team.euCountries.has(c) ? 1 : 0
  let kinds = 0
  for (const r of rules.requiredKinds) {
    const have = (team.kinds.get(r.kind) ?? 0) + (u?.kind === r.kind ? 1 : 0)
    kinds += Math.max(0, r.min - have)
  }
  return Math.max(rules.minCountries - team.countries.size - newCountry, rules.minEuCountries - team.euCountries.size - newEu, kinds, 0)
}

/** Whether a team meets every rule (size included; include is met by construction). */
export function meets (team: Team, rules: Rules): boolean {
  const n = team.members.length
  if (n < rules.size.min || n > rules.size.max) return false
  if (rules.onePerGroup && team.groups.size < n) return false
  return needed(team, rules) === 0
}

/** How many rule units a team misses (0: all met): what the repair step lowers. */
export function violations (team: Team, rules: Rules): number {
  const n = team.members.length
  let v = needed(team, rules) + Math.max(0, rules.size.min - n) + Math.max(0, n - rules.size.max)
  if (rules.onePerGroup) v += n - team.groups.size
  return v
}

/** Each rule asked for (size always, include when given), with what the team has and whether it is met. */
export function reportRules (team: Team, rules: Rules, asked: { minCountries: boolean, minEuCountries: boolean, onePerGroup: boolean, include: readonly string[] }): RuleReport[] {
  const units = team.units
  const n = team.members.length
  const out: RuleReport[] = [{
    rule: 'size',
    required: rules.size.min,
    actual: n,
    met: n >= rules.size.min && n <= rules.size.max,
    detail: `${rules.size.min} to ${rules.size.max} members, the seeker included`
  }]
  if (asked.minCountries) {
    out.push({ rule: 'minCountries', required: rules.minCountries, actual: team.countries.size, met: team.countries.size >= rules.minCountries, detail: `countries: ${[...team.countries.keys()].sort().join(', ')}` })
  }
  if (asked.minEuCountries) {
    const eu = [...team.euCountries.keys()].sort()
    const pillarTwo = eu.filter((c) => PILLAR_TWO_ONLY.has(c))
    out.push({
      rule: 'minEuCountries',
      required: rules.minEuCountries,
      actual: eu.length,
      met: eu.length >= rules.minEuCountries,
      detail: `EU member states and Horizon Europe associated countries: ${eu.join(', ') || 'none'}${pillarTwo.length > 0 ? ` (${pillarTwo.join(', ')} associated to Pillar II only)` : ''}`
    })
  }
  for (const r of rules.requiredKinds) {
    const have = team.kinds.get(r.kind) ?? 0
    out.push({ rule: 'requiredKind', kind: r.kind, required: r.min, actual: have, met: have >= r.min, detail: `at least ${r.min} ${r.kind}` })
  }
  if (asked.onePerGroup) {
    const counts = new Map<string, string[]>()
    for (const m of team.members) {
      const u = units[m] as Unit
      const g = groupOf(u)
      counts.set(g, [...(counts.get(g) ?? []), u.id])
    }
    const shared = [...counts.entries()].filter(([, ids]) => ids.length > 1)
    const most = Math.max(0, ...[...counts.values()].map((ids) => ids.length))
    out.push({
      rule: 'onePerGroup',
      required: 1,
      actual: most,
      met: most <= 1,
      detail: shared.length > 0 ? `members of one group: ${shared.map(([g, ids]) => `${g}: ${ids.join(', ')}`).join('; ')}` : 'at most one member per organisation group'
    })
  }
  if (asked.include.length > 0) {
    const ids = new Set(team.members.map((m) => (units[m] as Unit).id))
    const inside = asked.include.filter((id) => ids.has(id))
    out.push({ rule: 'include', required: asked.include.length, actual: inside.length, met: inside.length === asked.include.length, detail: `organisations that must be members: ${asked.include.join(', ')}` })
  }
  return out
}
