import t from 'tap'
import { objective, Team, type Unit } from '../../src/match/consortium/objective.ts'
import { exact, greedy, optimise, type Problem } from '../../src/match/consortium/optimiser.ts'
import { meets, type Rules } from '../../src/match/consortium/rules.ts'
import { marginalGains, alternativesFor, covered } from '../../src/match/consortium/explain.ts'

/** A small seeded generator (mulberry32): the random cases are the same on every run. */
function random (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const COUNTRIES = ['IT', 'DE', 'FR', 'ES', 'CH', 'US', 'NO']
const KINDS = ['company', 'university', 'research_centre', 'public_body']

/** A random instance: a seeker, n candidates with random scores, covers of K competencies, groups and links. */
function instance (seed: number, n: number, K: number, rules: Partial<Rules> = {}): Problem {
  const r = random(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T
  const units: Unit[] = [{ id: 'seeker', score: null, country: 'IT', kind: 'company', group: 'g0', covers: new Map(), links: new Set() }]
  for (let i = 1; i <= n; i++) {
    const covers = new Map<number, number>()
    for (let k = 0; k < K; k++) if (r() < 0.25) covers.set(k, Math.round((0.6 + 0.4 * r()) * 100) / 100)
    units.push({ id: `c${i}`, score: Math.round(r() * 80) / 100, country: pick(COUNTRIES), kind: pick(KINDS), group: r() < 0.3 ? `g${Math.floor(r() * 3)}` : null, covers, links: new Set() })
  }
  for (let i = 0; i <= n; i++) {
    for (let j = i + 1; j <= n; j++) {
      if (r() < 0.15) { (units[i] as Unit).links.add(j); (units[j] as Unit).links.add(i) }
    }
  }
  return {
    units,
    competencies: K,
    fixed: [0],
    candidates: units.map((_, i) => i).slice(1),
    rules: { size: { min: 3, max: 4 }, minCountries: 0, minEuCountries: 0, requiredKinds: [], onePerGroup: false, ...rules }
  }
}

/** The best team by trying every one (the ground truth for small cases). */
function bruteForce (p: Problem): { value: number, members: number[] | null } {
  let best = -Infinity
  let members: number[] | null = null
  const slots = p.rules.size.max - p.fixed.length
  const walk = (start: number, chosen: number[]) => {
    const team = [...p.fixed, ...chosen]
    const v = objective(p.units, team, p.competencies)
    if (meets(Team.of(p.units, p.competencies, team), p.rules) && v > best + 1e-12) { best = v; members = team }
    if (chosen.length === slots) return
    for (let j = start; j < p.candidates.length; j++) walk(j + 1, [...chosen, p.candidates[j] as number])
  }
  walk(0, [])
  return { value: best, members }
}

t.test('Team.gain is the exact difference of the objective worked out from scratch', async (t) => {
  const p = instance(7, 12, 4)
  const team = new Team(p.units, p.competencies)
  const order = [0, 3, 5, 1, 9, 12, 2]
  for (let i = 0; i < order.length; i++) {
    const e = order[i] as number
    const before = objective(p.units, order.slice(0, i), p.competencies)
    const after = objective(p.units, order.slice(0, i + 1), p.competencies)
    t.ok(Math.abs(team.gain(e) - (after - before)) < 1e-9, `gain of ${e}`)
    team.add(e)
  }
  t.ok(Math.abs(team.value - objective(p.units, order, p.competencies)) < 1e-9)
})

const RULE_SETS: Array<[string, Partial<Rules>]> = [
  ['size 3-4', {}],
  ['size 5, three countries', { size: { min: 5, max: 5 }, minCountries: 3 }],
  ['size 3-5, two EU countries, a university', { size: { min: 3, max: 5 }, minEuCountries: 2, requiredKinds: [{ kind: 'university', min: 1 }] }],
  ['size 4, one per group', { size: { min: 4, max: 4 }, onePerGroup: true }]
]

t.test('branch and bound finds the brute-force optimum; greedy is within its bound', async (t) => {
  const ratios: number[] = []
  for (const [name, rules] of RULE_SETS) {
    for (let seed = 1; seed <= 12; seed++) {
      const p = instance(seed * 31 + name.length, 11, 5, rules)
      const truth = bruteForce(p)
      const g = greedy(p)
      const x = exact(p, -Infinity, 1e9)
      t.ok(x.finished, `${name} #${seed}: finished`)
      if (truth.members === null) {
        t.equal(x.members, null, `${name} #${seed}: no team meets the rules, none claimed`)
        t.notOk(g.met, 'and greedy says its team does not meet them')
        continue
      }
      t.ok(Math.abs(x.value - truth.value) < 1e-9, `${name} #${seed}: exact ${x.value} = brute force ${truth.value}`)
      t.ok(g.met, `${name} #${seed}: greedy meets the rules`)
      t.ok(g.objective <= truth.value + 1e-9, 'greedy is not above the optimum')
      t.ok(g.bound >= truth.value - 1e-9, `${name} #${seed}: greedy's bound ${g.bound} ≥ optimum ${truth.value}`)
      const o = optimise(p)
      t.equal(o.method, 'exact')
      t.ok(Math.abs(o.objective - truth.value) < 1e-9, 'optimise answers the optimum')
      if (truth.value > 0) ratios.push(g.objective / truth.value)
    }
  }
  const mean = ratios.reduce((s, r) => s + r, 0) / ratios.length
  t.ok(mean > 0.9, `greedy / exact: mean ${mean.toFixed(4)}, worst ${Math.min(...ratios).toFixed(4)} over ${ratios.length} cases`)
})

t.test('greedy without polish is still within the bound and meets satisfiable rules', async (t) => {
  for (let seed = 1; seed <= 10; seed++) {
    const p = instance(seed, 30, 6, { size: { min: 4, max: 6 }, minCountries: 4, requiredKinds: [{ kind: 'research_centre', min: 1 }] })
    const g = greedy(p, { polish: false })
    const truth = exact(p, -Infinity, 1e9)
    t.ok(truth.finished)
    if (truth.members === null) continue
    t.ok(g.met, `#${seed}: the repair step meets the rules`)
    t.ok(g.bound >= truth.value - 1e-9, `#${seed}: bound ${g.bound.toFixed(3)} ≥ optimum ${truth.value.toFixed(3)} ≥ greedy ${g.objective.toFixed(3)}`)
  }
})

t.test('a budget too small for branch and bound: the greedy team, method greedy', async (t) => {
  const p = instance(3, 60, 8, { size: { min: 5, max: 8 } })
  const o = optimise(p, { exactBudget: 100 })
  t.equal(o.method, 'greedy')
  t.equal(o.search?.finished, false)
  t.ok(o.bound >= o.objective)
})

t.test('rules no team can meet: reported as unmet, the closest team returned', async (t) => {
  const p = instance(5, 10, 3, { size: { min: 3, max: 4 }, requiredKinds: [{ kind: 'association', min: 1 }] })
  const o = optimise(p)
  t.notOk(o.met)
  t.equal(o.method, 'greedy')
  t.ok(o.members.length >= 3 && o.members.length <= 4, 'the size rule still holds')
})

t.test('onePerGroup: never two members of one group, the seeker\'s included', async (t) => {
  for (let seed = 1; seed <= 10; seed++) {
    const p = instance(seed, 15, 4, { size: { min: 4, max: 5 }, onePerGroup: true })
    for (const u of p.units.slice(1, 6)) u.group = 'g0'
    const o = optimise(p)
    const groups = o.members.map((m) => p.units[m]?.group ?? `own:${m}`)
    t.equal(new Set(groups).size, groups.length, `#${seed}: ${groups}`)
  }
})

t.test('marginal gains add up to the objective; alternatives state their coverage change', async (t) => {
  const p = instance(11, 20, 5, { size: { min: 3, max: 5 } })
  const o = optimise(p)
  const names = ['a', 'b', 'c', 'd', 'e']
  const gains = marginalGains(p, o.members, names)
  t.ok(Math.abs(gains.reduce((s, g) => s + g.objective, 0) - o.objective) < 1e-9)
  const firstCovers = gains.flatMap((g) => g.covers)
  t.equal(new Set(firstCovers).size, firstCovers.length, 'a competency is the gain of one member at most')
  t.same(new Set(firstCovers), new Set([...covered(p.units, o.members)].map((k) => names[k])))
  const asked = { minCountries: false, minEuCountries: false, onePerGroup: false, include: [] }
  for (const m of o.members.slice(1)) {
    for (const a of alternativesFor(p, o.members, m, 3, names, asked)) {
      const swapped = o.members.map((x) => x === m ? a.unit : x)
      t.ok(Math.abs(a.change.objective - (objective(p.units, swapped, 5) - o.objective)) < 1e-9, 'objective delta')
      const before = covered(p.units, o.members)
      const after = covered(p.units, swapped)
      t.same(a.change.coverageGained, [...after].filter((k) => !before.has(k)).sort().map((k) => names[k]))
      t.same(a.change.coverageLost, [...before].filter((k) => !after.has(k)).sort().map((k) => names[k]))
    }
  }
})
