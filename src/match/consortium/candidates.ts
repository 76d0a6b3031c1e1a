import { sql, type Kysely } from 'kysely'
import type { Database } from '../../store/schema.ts'
import type { SearchIndex } from '../../ports/search-index.ts'
import type { Embedder } from '../../ports/embedder.ts'
import type { VectorCache } from '../../records/vector-cache.ts'
import type { DocFields, Hit } from '../../ports/retrieval.ts'
import type { CollaborationGraph } from '../collaboration-graph.ts'
import { explain, type PartnerMatcher, type PartnerQuery, type PartnerResult, type Retrieved } from '../partner-matcher.ts'
import { seekerFromText, type Seeker } from '../seeker.ts'
import type { PhaseMarks } from '../phase-marks.ts'

/** What gathering candidates reads. */
export interface CandidateSources {
  partners: PartnerMatcher
  index: SearchIndex
  queries: Embedder
  vectors: VectorCache
  graph: CollaborationGraph
  db: Kysely<Database>
}

/**
 * Candidates per sought competency, matched as its own text: enough for each competency to have
 * someone to cover it (and alternatives) when the seeker's whole need finds others first.
 */
export const PER_COMPETENCY = 10

export interface Gathered {
  /** Every candidate (and included organisation), scored by the partner ranker against the seeker, with its reasons. */
  results: PartnerResult[]
  /** Organisation group by id, for those that have one. */
  groups: Map<string, string>
  /** Each organisation's past partners among `ids` (the seeker's organisation included). */
  links: Map<string, Set<string>>
}

/**
 * The consortium's candidates: the partner matcher's pool for the seeker (its retrieval lists and
 * network, fused), the first PER_COMPETENCY of each sought competency matched alone, and the
 * organisations that must be members; all scored and explained by the partner matcher against the
 * seeker (complementary mode), so that a member's score and reasons are those the partner route
 * gives. The excluded organisations and the seeker's own are left out.
 */
export async function gatherCandidates (src: CandidateSources, input: {
  seeker: Seeker
  model: string | null
  programme?: string
  include: readonly string[]
  exclude: readonly string[]
  timing?: PhaseMarks
}): Promise<Gathered> {
  const { seeker, model } = input
  const q: PartnerQuery = { seeker, mode: 'complementary', filters: {}, excludePastPartners: false, model, ...(input.programme ? { programme: input.programme } : {}) }
  const own = new Set([...(seeker.organizationId ? [seeker.organizationId] : []), ...(seeker.kind === 'organizations' && seeker.id ? [seeker.id] : [])])
  const excluded = new Set(input.exclude)
  const [main, perCompetency, included] = await Promise.all([
    src.partners.retrieve(q),
    Promise.all(seeker.seeks.map(async (phrase) => {
      const alone = await seekerFromText(phrase.text, [], src.queries, src.vectors)
      const r = await src.partners.retrieve({ ...q, seeker: { ...alone, countriesSought: seeker.countriesSought } })
      return r
    })),
    input.include.length > 0
      ? src.index.retrieve({ kind: 'organizations', filter: {}, semantic: [], size: 0, include: { included: input.include.map((id) => ({ id, score: 0 })) } })
      : Promise.resolve(null)
  ])
  input.timing?.mark('retrieve')
  const docs = new Map<string, DocFields>(main.found.docs)
  const fused: Hit[] = []
  const seen = new Set<string>()
  const take = (h: Hit, doc: DocFields | undefined) => {
    if (seen.has(h.id) || own.has(h.id) || excluded.has(h.id) || !doc) return
    seen.add(h.id)
    docs.set(h.id, doc)
    fused.push(h)
  }
  for (const h of main.fused) take(h, main.found.docs.get(h.id))
  for (const r of perCompetency) for (const h of r.fused.slice(0, PER_COMPETENCY)) take(h, r.found.docs.get(h.id))
  if (included) for (const h of included.lists.included ?? []) take(h, included.docs.get(h.id))
  if (fused.length === 0) return { results: [], groups: new Map(), links: new Map() }
  // The pool keeps the fused order (the fusion feature reads each hit's own score).
  const merged: Retrieved = { found: { lists: main.found.lists, docs }, fused }
  const pool = await src.partners.pool(q, merged)
  const ranked = await src.partners.rank(q, pool, src.partners.score(q, pool))
  const results = ranked.map((c) => explain(q, pool, c))
  const ids = [...own, ...results.map((r) => r.id)]
  const [groups] = await Promise.all([groupsOf(src.db, ids)])
  const inside = new Set(ids)
  const links = new Map<string, Set<string>>()
  for (const id of ids) links.set(id, new Set(src.graph.pastPartners(id).filter((x) => inside.has(x))))
  return { results, groups, links }
}

/** The organisation group of each of these organisations that has one (one store query). */
export async function groupsOf (db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('records')
    .select(['id', sql<string | null>`body->>'group'`.as('grp')])
    .where('kind', '=', 'organizations').where('deleted', '=', false).where('id', 'in', [...ids])
    .execute()
  return new Map(rows.filter((r) => r.grp).map((r) => [r.id, r.grp as string]))
}

/** Which of these organisations are stored (not deleted), with their groups. */
export async function storedOrganisations (db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('records')
    .select(['id', sql<string | null>`body->>'group'`.as('grp')])
    .where('kind', '=', 'organizations').where('deleted', '=', false).where('id', 'in', [...ids])
    .execute()
  return new Map(rows.map((r) => [r.id, r.grp ?? null]))
}
