import type { Kysely } from 'kysely'
import type { Database } from '../../store/schema.ts'
import type { SearchIndex } from '../../ports/search-index.ts'
import type { VectorCache } from '../../records/vector-cache.ts'
import { RecordRepository } from '../../records/record-repository.ts'
import { CollaborationGraph } from '../collaboration-graph.ts'
import { FEATURES, type Feature, type Weights } from '../features.ts'
import { PartnerMatcher, type PartnerResult } from '../partner-matcher.ts'
import { seekerFromRecord } from '../seeker.ts'
import { half, mean, ndcgAt, recallAt, stderr } from './ir-metrics.ts'
import { fitPairwise, type TrainingGroup, type TrainingItem } from './pairwise-logistic.ts'

/**
 * Trains the partner ranker from what the store holds (npm run ranker:train, POST /v1/admin/ranker/train):
 *
 * 1. Outcomes of the collaboration history, on a time split. The projects that started in the last
 *    `windowMonths` before the latest start are the outcomes; the graph is rebuilt from the projects
 *    that started before them (CollaborationGraph.before). For each outcome project whose coordinator
 *    is in that earlier graph, the coordinator seeks partners in the project's programme area through
 *    the real matcher (the hand-set weights, the whole candidate pool with every feature value); the
 *    organisations of the project are the relevant ones. Projects are split by a hash of their id:
 *    the "tune" half trains, the "held-out" half measures (the offline metrics of the report).
 * 2. Feedback on organisations shown as partners (`feedback` with item kind `organizations`): the
 *    person's organisation is the seeker, matched on today's graph; `interest` and `contact_accepted`
 *    are positive, `clicked` half positive, `dismissed` negative and `shown` without anything else a
 *    weak negative (weight 0.3). Only candidates with events form a group.
 *
 * The weights are fitted with a pairwise logistic loss (pairwise-logistic.ts), the hand-set weights
 * as prior: features that never vary in the data (text features, where records have no text) keep
 * their hand-set weight.
 */
export interface PartnerTrainingInput {
  db: Kysely<Database>
  index: SearchIndex
  cache: VectorCache
  /** The embedding model whose stored vectors the matcher reads (null: none). */
  model: string | null
  /** Today's collaboration graph (feedback groups are matched on it). */
  graph: CollaborationGraph
  /** The hand-set weights: the prior, and the baseline of the offline metrics. */
  prior: Weights
  /** Months of the latest project starts whose consortia are the outcomes (default 12). */
  windowMonths?: number
  log?: (message: string) => void
}

export interface PartnerTrainingResult {
  weights: Weights
  report: PartnerTrainingReport
}

interface MethodMetrics { nDCG10: number, nDCG10StdErr: number, recall10: number, recall10StdErr: number }

export interface PartnerTrainingReport {
  target: 'partners'
  trainer: string
  window: { outcomesFrom: string, outcomesTo: string, historyBefore: string } | null
  data: {
    outcomeProjects: number
    trainQueries: number
    validationQueries: number
    feedbackEvents: number
    feedbackSeekers: number
    feedbackCandidatesInPool: number
    pairs: number
  }
  fittedFeatures: Feature[]
  loss: { before: number, after: number }
  /** On the held-out outcome projects (never trained on): the trained weights against the hand-set ones. */
  validation: {
    queries: number
    poolRecall: number
    handSet: MethodMetrics
    trained: MethodMetrics
    pairedDiff: { nDCG10: number, stdErr: number }
  } | null
  ms: number
}

const K = 10

const FEEDBACK_LABEL: Record<string, { label: number, weight: number, rank: number }> = {
  contact_accepted: { label: 1, weight: 1, rank: 5 },
  interest: { label: 1, weight: 1, rank: 4 },
  dismissed: { label: 0, weight: 1, rank: 3 },
  clicked: { label: 1, weight: 0.5, rank: 2 },
  shown: { label: 0, weight: 0.3, rank: 1 }
}

const FEATURE_NAMES = Object.keys(FEATURES) as Feature[]

/** One candidate pool with its labels, as training and evaluation see it. */
interface LabelledPool { id: string, items: Array<{ candidate: string, x: number[] }>, relevant: Map<string, number>, labels: Map<string, { label: number, weight: number }> }

export async function trainPartnerRanker (input: PartnerTrainingInput): Promise<PartnerTrainingResult> {
  const started = performance.now()
  const log = input.log ?? (() => {})
  const repo = new RecordRepository(input.db)

  // 1. History on a time split.
  const latest = await input.db.selectFrom('project_participants').select((eb) => eb.fn.max('start').as('latest')).executeTakeFirst()
  const train: LabelledPool[] = []
  const validation: LabelledPool[] = []
  let window: PartnerTrainingReport['window'] = null
  let outcomeProjects = 0
  if (latest?.latest) {
    const cutoff = monthsBefore(latest.latest, input.windowMonths ?? 12)
    window = { outcomesFrom: cutoff, outcomesTo: latest.latest, historyBefore: cutoff }
    const earlier = await CollaborationGraph.before(input.db, cutoff)
    const rows = await input.db.selectFrom('project_participants').select(['project_id', 'organization_id', 'role', 'programme'])
      .where('start', '>=', cutoff).orderBy('project_id').orderBy('organization_id').execute()
    const projects = new Map<string, { programme: string | null, members: Array<{ id: string, role: string }> }>()
    for (const r of rows) {
      let p = projects.get(r.project_id)
      if (!p) projects.set(r.project_id, p = { programme: r.programme, members: [] })
      p.members.push({ id: r.organization_id, role: r.role })
    }
    outcomeProjects = projects.size
    const matcher = new PartnerMatcher(earlier, input.index, input.cache, input.prior)
    let done = 0
    for (const [projectId, p] of projects) {
      if (p.members.length < 2) continue
      const coordinator = p.members.filter((m) => m.role === 'coordinator' && earlier.pastPartners(m.id).length > 0).map((m) => m.id).sort()[0]
      if (!coordinator) continue
      const record = await repo.get('organizations', coordinator)
      if (!record) continue
      const seeker = await seekerFromRecord('organizations', coordinator, record.body, input.model, input.cache)
      const { results } = await matcher.match({ seeker, mode: 'complementary', filters: {}, excludePastPartners: false, model: input.model, ...(p.programme ? { programme: p.programme } : {}) })
      const relevant = new Map(p.members.filter((m) => m.id !== coordinator).map((m) => [m.id, 1]))
      const labels = new Map(results.map((r) => [r.id, { label: relevant.has(r.id) ? 1 : 0, weight: 1 }]))
      const pool: LabelledPool = { id: projectId, items: results.map((r) => ({ candidate: r.id, x: valuesOf(r) })), relevant, labels };
      (half(projectId) === 'tune' ? train : validation).push(pool)
      if (++done % 200 === 0) log(`history: ${done} outcome projects matched`)
    }
    log(`history: ${train.length} training and ${validation.length} validation queries from ${outcomeProjects} projects that started from ${cutoff}`)
  }

  // 2. Feedback on organisations shown as partners.
  const events = await input.db.selectFrom('feedback').select(['person_id', 'item_id', 'event']).where('item_kind', '=', 'organizations').orderBy('seq').execute()
  const bySeeker = new Map<string, Map<string, { label: number, weight: number, rank: number }>>()
  const personOrg = new Map<string, string | null>()
  for (const e of events) {
    if (!personOrg.has(e.person_id)) {
      const person = await repo.get('people', e.person_id)
      const org = person?.body.organizationId
      personOrg.set(e.person_id, typeof org === 'string' ? org : null)
    }
    const org = personOrg.get(e.person_id)
    if (!org || org === e.item_id) continue
    let labels = bySeeker.get(org)
    if (!labels) bySeeker.set(org, labels = new Map())
    const next = FEEDBACK_LABEL[e.event] as { label: number, weight: number, rank: number }
    const had = labels.get(e.item_id)
    // The strongest event about a candidate decides (a click after being shown is a click).
    if (!had || next.rank > had.rank) labels.set(e.item_id, next)
  }
  let feedbackInPool = 0
  const feedback: LabelledPool[] = []
  if (bySeeker.size > 0) {
    const matcher = new PartnerMatcher(input.graph, input.index, input.cache, input.prior)
    for (const [org, labels] of bySeeker) {
      const record = await repo.get('organizations', org)
      if (!record) continue
      const seeker = await seekerFromRecord('organizations', org, record.body, input.model, input.cache)
      const { results } = await matcher.match({ seeker, mode: 'complementary', filters: {}, excludePastPartners: false, model: input.model })
      const items = results.filter((r) => labels.has(r.id)).map((r) => ({ candidate: r.id, x: valuesOf(r) }))
      feedbackInPool += items.length
      feedback.push({ id: `feedback:${org}`, items, relevant: new Map(), labels: new Map([...labels].map(([id, l]) => [id, { label: l.label, weight: l.weight }])) })
    }
  }

  // 3. Fit.
  const groups: TrainingGroup[] = [...train, ...feedback].map((pool) => pool.items.map((it): TrainingItem => {
    const l = pool.labels.get(it.candidate) ?? { label: 0, weight: 1 }
    return { x: it.x, label: l.label, weight: l.weight }
  }))
  const prior = FEATURE_NAMES.map((f) => input.prior[f])
  const fit = fitPairwise(groups, { prior })
  const weights = Object.fromEntries(FEATURE_NAMES.map((f, j) => [f, fit.weights[j] as number])) as Weights

  // 4. Offline metrics on the held-out outcome projects.
  const metrics = (w: Weights): { ndcg: number[], recall: number[] } => {
    const ndcg: number[] = []
    const recall: number[] = []
    for (const pool of validation) {
      const ranked = rank(pool, w)
      ndcg.push(ndcgAt(ranked, pool.relevant, K))
      recall.push(recallAt(ranked, pool.relevant, K))
    }
    return { ndcg, recall }
  }
  const summary = (m: { ndcg: number[], recall: number[] }): MethodMetrics => ({
    nDCG10: round(mean(m.ndcg)), nDCG10StdErr: round(stderr(m.ndcg)), recall10: round(mean(m.recall)), recall10StdErr: round(stderr(m.recall))
  })
  let validationReport: PartnerTrainingReport['validation'] = null
  if (validation.length > 0) {
    const before = metrics(input.prior)
    const after = metrics(weights)
    const diff = after.ndcg.map((x, i) => x - (before.ndcg[i] as number))
    validationReport = {
      queries: validation.length,
      poolRecall: round(mean(validation.map((p) => p.items.filter((it) => p.relevant.has(it.candidate)).length / p.relevant.size))),
      handSet: summary(before),
      trained: summary(after),
      pairedDiff: { nDCG10: round(mean(diff)), stdErr: round(stderr(diff)) }
    }
  }
  const report: PartnerTrainingReport = {
    target: 'partners',
    trainer: 'pairwise logistic (linear), hand-set weights as prior (pairwise-logistic.ts)',
    window,
    data: {
      outcomeProjects,
      trainQueries: train.length,
      validationQueries: validation.length,
      feedbackEvents: events.length,
      feedbackSeekers: feedback.length,
      feedbackCandidatesInPool: feedbackInPool,
      pairs: fit.pairs
    },
    fittedFeatures: FEATURE_NAMES.filter((_, j) => fit.fitted[j]),
    loss: { before: fit.lossBefore, after: fit.lossAfter },
    validation: validationReport,
    ms: Math.round(performance.now() - started)
  }
  return { weights, report }
}

/** A pool ordered as the matcher orders it: Σ weight × value rounded to 4 decimals, higher first, then id. */
export function rank (pool: { items: ReadonlyArray<{ candidate: string, x: readonly number[] }> }, w: Weights): string[] {
  const weights = FEATURE_NAMES.map((f) => w[f])
  return pool.items
    .map((it) => ({ id: it.candidate, score: Math.round(it.x.reduce((s, v, j) => s + v * (weights[j] as number), 0) * 10_000) / 10_000 }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((s) => s.id)
}

function valuesOf (r: PartnerResult): number[] {
  return FEATURE_NAMES.map((f) => r.features?.[f]?.value ?? 0)
}

/** The date `months` calendar months before a YYYY-MM-DD date. */
function monthsBefore (date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCMonth(d.getUTCMonth() - months)
  return d.toISOString().slice(0, 10)
}

function round (x: number): number {
  return Math.round(x * 10_000) / 10_000
}
