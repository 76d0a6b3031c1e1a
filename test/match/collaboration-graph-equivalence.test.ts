import t from 'tap'
import { sql } from 'kysely'
import { migrateToLatest } from '../../src/store/migrate.ts'
import type { Store } from '../../src/ports/store.ts'
import type { Database } from '../../src/store/schema.ts'
import { RecordRepository } from '../../src/records/record-repository.ts'
import { CollaborationGraph, type GraphSignals, type ParticipationRow, type RankedOrg } from '../../src/match/collaboration-graph.ts'
import { PairwiseCollaborationGraph } from '../helpers/pairwise-graph.ts'
import { syntheticHistory, type HistoryRow } from '../../fixtures/lib/collaboration-history.ts'
import { Rng } from '../../fixtures/lib/prng.ts'
import { storeAdapters } from '../helpers/stores.ts'

// The compact graph (src/match/collaboration-graph.ts) against the pairwise graph it replaced
// (test/helpers/pairwise-graph.ts, the code as it was): every answer the matcher reads must be the
// same, to the bit, on any history read from the store, and after changes followed one by one the
// same up to the last bits of two sums (below).

/** Where two graphs' answers differ, for the assertion message (empty: none). */
type Diff = string[]

const same = (a: number, b: number, exact: boolean) => exact ? Object.is(a, b) : Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))

function diffSignals (a: GraphSignals, b: GraphSignals, exact: boolean): Diff {
  const out: Diff = []
  const keys = (m: Map<string, unknown> | Set<string>) => [...m.keys()].sort().join(',')
  if (keys(a.seekerProgrammes) !== keys(b.seekerProgrammes)) out.push('seekerProgrammes')
  if (keys(a.sharedProjects) !== keys(b.sharedProjects)) out.push('sharedProjects: candidates')
  for (const [c, list] of a.sharedProjects) if (list.join() !== b.sharedProjects.get(c)?.join()) out.push(`sharedProjects ${c}`)
  if (keys(a.sharedPartners) !== keys(b.sharedPartners)) out.push('sharedPartners: candidates')
  for (const [c, n] of a.sharedPartners) if (n !== b.sharedPartners.get(c)) out.push(`sharedPartners ${c}`)
  if (keys(a.programmes) !== keys(b.programmes)) out.push('programmes: candidates')
  for (const [c, counts] of a.programmes) {
    // The order a candidate's areas are listed in reaches the explanation. A pairwise graph that
    // followed changes kept an area where it was first met even after the project that brought it
    // was gone (a restart listed it elsewhere); the compact graph lists areas in the order of the
    // projects held now, as a pairwise graph read from the store does.
    const listed = (m: Map<string, number> | undefined) => JSON.stringify(exact ? [...m ?? []] : [...m ?? []].sort())
    if (listed(counts) !== listed(b.programmes.get(c))) out.push(`programmes ${c}`)
  }
  if (keys(a.ties) !== keys(b.ties)) out.push('ties: candidates')
  for (const [c, tie] of a.ties) {
    const other = b.ties.get(c)
    if (!other) continue
    // Recency, area and strength sum over shared projects in link order: the same after any change.
    for (const f of ['recent', 'area', 'strength', 'salton'] as const) if (!Object.is(tie[f], other[f])) out.push(`ties ${c}.${f}: ${tie[f]} vs ${other[f]}`)
    // Allocation and walk sum over partners in common in the order of a partner list: a pairwise map
    // kept a partner where it was first met even after the project that introduced it was gone, the
    // compact graph lists partners in the order of the projects held now. Same terms, other order.
    for (const f of ['allocation', 'walk'] as const) if (!same(tie[f], other[f], exact)) out.push(`ties ${c}.${f}: ${tie[f]} vs ${other[f]}`)
  }
  return out
}

function diffRanked (what: string, a: RankedOrg[], b: RankedOrg[]): Diff {
  if (a.length !== b.length) return [`${what}: ${a.length} vs ${b.length} results`]
  for (let i = 0; i < a.length; i++) {
    if (a[i]?.id !== b[i]?.id || !Object.is(a[i]?.score, b[i]?.score)) return [`${what} #${i}: ${JSON.stringify(a[i])} vs ${JSON.stringify(b[i])}`]
  }
  return []
}

/** Every question the matcher and the trainer ask, for `seekers` against `candidates`. */
function compare (graph: CollaborationGraph, pairwise: PairwiseCollaborationGraph, seekers: readonly string[], candidates: readonly string[], programmes: readonly string[], exact: boolean): Diff {
  const out: Diff = []
  for (const seeker of seekers) {
    const mine = graph.pastPartners(seeker)
    const theirs = pairwise.pastPartners(seeker)
    if ((exact ? mine.join() : [...mine].sort().join()) !== (exact ? theirs.join() : [...theirs].sort().join())) out.push(`pastPartners ${seeker}`)
    for (const programme of [undefined, ...programmes]) {
      const area = programme ? { programme } : {}
      for (const limits of [{ partners: 200, total: 50 }, { partners: 3, total: 3 }, { partners: 2, total: 40 }]) {
        out.push(...diffRanked(`network ${seeker} ${JSON.stringify({ ...limits, ...area })}`, graph.network(seeker, { ...limits, ...area }), pairwise.network(seeker, { ...limits, ...area })))
      }
      out.push(...diffSignals(graph.signals(seeker, candidates, programme), pairwise.signals(seeker, candidates, programme), exact).map((d) => `signals ${seeker} ${programme ?? '-'}: ${d}`))
    }
  }
  out.push(...diffSignals(graph.signals(null, candidates), pairwise.signals(null, candidates), exact).map((d) => `signals without a seeker: ${d}`))
  for (const programme of [...programmes, 'no-such-area']) out.push(...diffRanked(`leaders ${programme}`, graph.leaders(programme, 50), pairwise.leaders(programme, 50)))
  return out
}

const idsOf = (rows: readonly HistoryRow[]) => [...new Set(rows.map((r) => r.organization_id))]

t.test('on random histories the compact graph answers exactly as the pairwise one', async (t) => {
  // Small, dense histories: many shared partners, hubs, projects listed out of order, members twice.
  let checked = 0
  for (let seed = 0; seed < 40; seed++) {
    const rng = Rng.of('graph-equivalence', seed)
    const orgs = Array.from({ length: 5 + rng.int(40) }, (_, i) => `o${i}`)
    const rows: ParticipationRow[] = []
    for (let p = 0; p < 5 + rng.int(80); p++) {
      const size = rng.chance(0.3) ? 1 : 2 + rng.int(rng.chance(0.2) ? 25 : 5)
      const programme = rng.chance(0.1) ? null : rng.pick(['SC1', 'SC5', 'LEIT', 'ERC'])
      const start = rng.chance(0.15) ? null : `${2012 + rng.int(10)}-0${1 + rng.int(9)}-1${rng.int(10)}`
      for (const o of [...rng.sample(orgs.slice(0, 3), 1), ...rng.sample(orgs, size)]) rows.push({ project_id: `p${p}`, organization_id: o, programme, start })
    }
    // Rows of a project are not always together in a table (a project rewritten lands elsewhere).
    for (let i = 0; i < rows.length / 10; i++) {
      const a = rng.int(rows.length)
      const b = rng.int(rows.length)
      ;[rows[a], rows[b]] = [rows[b] as ParticipationRow, rows[a] as ParticipationRow]
    }
    const graph = CollaborationGraph.fromRows(null as never, rows)
    const pairwise = new PairwiseCollaborationGraph()
    pairwise.fill(rows)
    const diff = compare(graph, pairwise, orgs, [...orgs, 'unknown-org'], ['SC1', 'ERC'], true)
    if (diff.length > 0) t.fail(`seed ${seed}: ${diff.slice(0, 5).join('; ')}`)
    checked++
  }
  t.equal(checked, 40, '40 random histories, every organisation as the seeker, every signal to the bit')
})

for (const adapter of storeAdapters) {
  t.test(`a Horizon 2020-like history read from the store, then changed project by project: ${adapter.name}`, async (t) => {
    const store = await adapter.open(t)
    if (!store) return
    t.teardown(() => store.close())
    await migrateToLatest(store.db)
    // 3,000 projects, 4,000 organisations, about 14,000 participations; hubs in hundreds of projects.
    const rows = syntheticHistory({ seed: 'equivalence', projects: 3000, orgs: 4000 })
    const rng = Rng.of('graph-equivalence-store', adapter.name)
    await insertRows(store, rng.shuffle(rows.slice(0, 2000)).concat(rows.slice(2000)))
    const graph = await CollaborationGraph.open(store)
    t.teardown(() => graph.close())
    const pairwise = new PairwiseCollaborationGraph()
    pairwise.fill(await readAll(store))
    t.equal(graph.usage().participations, rows.length, `${rows.length} participations read`)

    const orgs = idsOf(rows)
    // Hubs first (the seekers the sums are longest for), then a sample; candidates as a match pools them.
    const seekers = [...hubs(rows, 15), ...rng.sample(orgs, 40)]
    const candidates = [...hubs(rows, 50), ...rng.sample(orgs, 100)]
    t.same(compare(graph, pairwise, seekers, candidates, ['LEIT', 'MSCA'], true), [], `read from the store: ${seekers.length} seekers × ${candidates.length} candidates, every signal to the bit`)

    // Changes as the portal makes them, each followed through the store's notifications: members
    // replaced, projects deleted, new projects joining hubs.
    const repo = new RecordRepository(store.db)
    const projects = [...new Set(rows.map((r) => r.project_id))]
    const written: string[] = []
    let changes = 0
    for (let i = 0; i < 60; i++) {
      const version = graph.version
      const remove = i % 5 === 1 && written.length > 0
      const id = remove ? written.splice(rng.int(written.length), 1)[0] as string : i % 3 === 2 ? `new-${i}` : rng.pick(projects)
      let outcome: string
      if (remove) {
        outcome = (await repo.delete('projects', id)).outcome
      } else {
        const members = [...new Set([...rng.sample(hubs(rows, 10), 1 + rng.int(3)), ...rng.sample(orgs, rng.int(12))])]
        outcome = (await repo.put('projects', id, { title: id, programme: rng.pick(['LEIT', 'MSCA', 'SC1']), start: `2019-0${1 + rng.int(9)}-01`, participants: members.map((organizationId) => ({ organizationId, role: 'participant' })) })).outcome
        written.push(id)
      }
      if (outcome !== 'created' && outcome !== 'updated' && outcome !== 'deleted') continue
      const deadline = Date.now() + 5000
      while (graph.version === version && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
      await graph.settled()
      pairwise.apply([id], await readAll(store, [id]))
      changes++
    }
    t.equal(changes, 60, 'every change applied')
    t.same(compare(graph, pairwise, seekers, candidates, ['LEIT', 'MSCA'], false), [], 'after 60 changes followed one by one: the same answers (allocation and walk within 1e-12, the order of a candidate\'s areas aside, the rest to the bit)')
    await graph.reload()
    const fresh = new PairwiseCollaborationGraph()
    fresh.fill(await readAll(store))
    t.same(compare(graph, fresh, seekers, candidates, ['LEIT', 'MSCA'], true), [], 'read again from the store: every signal to the bit')
  })
}

/** The organisations in the most projects. */
function hubs (rows: readonly HistoryRow[], n: number): string[] {
  const counts = new Map<string, number>()
  for (const r of rows) counts.set(r.organization_id, (counts.get(r.organization_id) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([id]) => id)
}

async function insertRows (store: Store<Database>, rows: readonly HistoryRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    await sql`insert into project_participants (project_id, organization_id, role, programme, start)
      select project_id, organization_id, role, programme, start
      from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + 2000))}::jsonb) as x(project_id text, organization_id text, role text, programme text, start text)`.execute(store.db)
  }
}

/** The rows as the pairwise graph read them: everything (a full read), or the projects changed. */
async function readAll (store: Store<Database>, ids?: string[]): Promise<ParticipationRow[]> {
  if (ids) return store.db.selectFrom('project_participants').select(['project_id', 'organization_id', 'programme', 'start']).where('project_id', 'in', ids).execute()
  return (await sql<ParticipationRow>`select project_id, organization_id, programme, start from project_participants`.execute(store.db)).rows
}
