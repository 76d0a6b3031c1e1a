import type { SearchIndex } from '../ports/search-index.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import { phraseHash } from '../domain/facets.ts'
import { reciprocalRankFusion } from '../search/fusion.ts'
import type { DocFields, SemanticQuery } from '../ports/retrieval.ts'
import { PERSON_CANDIDATE_WEIGHTS, dot, jaccard, weightedScore } from './features.ts'
import type { PartnerMatcher } from './partner-matcher.ts'
import type { Candidate, PartnerResult, PersonCandidate, PhraseMatch } from './match-schemas.ts'
import { PhraseJudge } from './phrase-judge.ts'
import { evidenceText } from './partner-matcher.ts'
import type { Phrase, Seeker } from './seeker.ts'

export type { Candidate, PersonCandidate }

/**
 * Who should hear about a proposal, in both of its directions: organisations that have what it seeks
 * (the partner matcher, complementary mode) and, for what it offers, organisations that need it (the
 * matcher's `provides` mode: its offers against their needs); people whose expertise it seeks, or
 * whose interests it meets. A technology offer (offers, nothing sought) thus reaches the organisations
 * and people that need it. People who opted out, private records and the proposal's own author and
 * organisation are never candidates. A candidate needs a reason a person can check: a sought phrase it
 * has, or one of its needs or interests an offered phrase meets (a strong or partial match judged by
 * phrase-judge.ts, in the two phrases' languages), or (people) interests that clear the model's bar
 * where it holds; the rest of the retrieval pool is not returned. An organisation found both ways is
 * listed once, at its better score, with the reasons of both.
 */
export class CandidateFinder {
  constructor (private readonly index: SearchIndex, private readonly cache: VectorCache, private readonly partners: PartnerMatcher) {}

  async find (proposal: Seeker, authorPersonId: string | null, model: string | null): Promise<Candidate[]> {
    // A proposal with nothing sought as phrases but a text of needs is still matched by it (as before);
    // one with neither is an offer only, and its seek direction has nothing to look for.
    const seeks = proposal.seeks.length > 0 || proposal.texts.needs !== undefined || proposal.offers.length === 0
    const query = { seeker: proposal, filters: {}, excludePastPartners: false, model }
    const [sought, offered] = await Promise.all([
      seeks ? this.partners.match({ ...query, mode: 'complementary' }) : { results: [] },
      proposal.offers.length > 0 ? this.partners.match({ ...query, mode: 'provides' }) : { results: [] }
    ])
    const orgs = mergeOrganizations(sought.results.filter((o) => o.reasons.matched.length > 0), offered.results.filter((o) => o.reasons.matchedBack.length > 0))
    const people = await this.people(proposal, authorPersonId, model)
    return [
      ...orgs.map((o) => ({ type: 'organization' as const, ...o })),
      ...people.filter((p) => p.reasons.matched.length > 0 || p.reasons.matchedBack.length > 0 || p.reasons.interested).map((p) => ({ type: 'person' as const, ...p }))
    ].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
  }

  private async people (proposal: Seeker, author: string | null, model: string | null): Promise<PersonCandidate[]> {
    const offerOnly = proposal.seeks.length === 0 && proposal.texts.needs === undefined && proposal.offers.length > 0
    const seeks = offerOnly ? undefined : proposal.vectors.needs ?? proposal.vectors.profile
    const semantic: SemanticQuery[] = []
    if (seeks) semantic.push({ name: 'knn:expertise', facet: 'competencies', vector: seeks })
    if (proposal.vectors.profile) semantic.push({ name: 'knn:interests', facet: 'needs', vector: proposal.vectors.profile })
    // What it offers, against what people say they are interested in.
    if (proposal.vectors.competencies) semantic.push({ name: 'knn:offered', facet: 'needs', vector: proposal.vectors.competencies })
    const text = offerOnly ? proposal.offers.map((p) => p.text).join('. ') : proposal.texts.needs ?? proposal.texts.profile
    const found = await this.index.retrieve({
      kind: 'people',
      filter: {
        flags: { opt_out: false },
        noneOf: { id: author ? [author] : [], visibility: ['private'], ...(proposal.organizationId ? { organization_id: [proposal.organizationId] } : {}) }
      },
      ...(text ? { lexical: { text, fields: offerOnly ? { needs_text: 2, text: 1 } : { competencies_text: 2, needs_text: 1, text: 1 } } } : {}),
      semantic,
      size: 100
    })
    const fused = reciprocalRankFusion(Object.values(found.lists))
    if (fused.length === 0) return []
    const judge = new PhraseJudge(this.partners.concepts, model)
    const seekLang = this.partners.concepts.majorityLanguage(proposal.seeks.map((p) => p.text))
    const best = fused[0]?.score ?? 1
    const docs = fused.map((f) => found.docs.get(f.id) as DocFields)
    const vectors = model
      ? await this.cache.getMany(model, docs.flatMap((d) => [...Object.values((d.facet_hashes as Record<string, string>) ?? {}), ...list(d.competencies).map(phraseHash), ...(proposal.offers.length > 0 ? list(d.needs).map(phraseHash) : [])]))
      : new Map<string, Float32Array>()
    return fused.map((f, i) => {
      const d = docs[i] as DocFields
      const h = (d.facet_hashes as Record<string, string> | undefined) ?? {}
      const expertise = vectors.get(h.competencies ?? '')
      const interests = vectors.get(h.needs ?? '')
      // Each of the proposal's phrases with its best counterpart: what it seeks against their
      // expertise, what it offers against their interests.
      const bestOf = (mine: readonly Phrase[], theirs: readonly string[]) => mine.flatMap((p) => {
        let top: { sought: string, matched: string, similarity: number, strength: 'strong' | 'partial' | null, evidence?: PhraseMatch['evidence'], concept?: string } | null = null
        for (const e of theirs) {
          const j = judge.judge(p.text, p.vector, e, vectors.get(phraseHash(e)))
          const better = top === null || (j.strength !== null && top.strength === null) || ((j.strength !== null) === (top.strength !== null) && j.similarity > top.similarity)
          if (better) top = { sought: p.text, matched: e, similarity: Math.round(Math.max(0, j.similarity) * 10_000) / 10_000, strength: j.strength, ...(j.via ? { evidence: j.via } : {}), ...(j.concept ? { concept: j.concept } : {}) }
        }
        return top && top.similarity > 0 ? [top] : []
      })
      const matched = bestOf(proposal.seeks, list(d.competencies))
      const matchedOffers = bestOf(proposal.offers, list(d.needs))
      const sharedS3 = list(d.s3_areas).filter((a) => proposal.s3Areas.includes(a))
      const values = {
        expertise_fit: seeks && expertise ? Math.max(0, dot(seeks, expertise)) : 0,
        interest_fit: proposal.vectors.profile && interests ? Math.max(0, dot(proposal.vectors.profile, interests)) : 0,
        // Over both directions' phrases: an offer's phrases count as a request's do.
        phrase_match: proposal.seeks.length + proposal.offers.length > 0 ? [...matched, ...matchedOffers].reduce((s, m) => s + m.similarity, 0) / (proposal.seeks.length + proposal.offers.length) : 0,
        fusion: f.score / best,
        shared_s3: jaccard(proposal.s3Areas, list(d.s3_areas))
      }
      const { score, features } = weightedScore(values, PERSON_CANDIDATE_WEIGHTS)
      const shown = matched.filter((m): m is PhraseMatch => m.strength !== null)
      const shownBack = matchedOffers.filter((m): m is PhraseMatch => m.strength !== null)
      // Whole-text fit is held to the phrase bar of the model, where it holds for the two languages.
      const bar = judge.trusts(seekLang, this.partners.concepts.majorityLanguage([...list(d.competencies), ...list(d.needs)]))
      const interested = bar !== null && values.interest_fit >= bar.partial
      const summary: string[] = []
      if (shown.length > 0) summary.push(`Has the expertise sought: ${shown.slice(0, 3).map((m) => `"${m.matched}" (for "${m.sought}", ${m.strength} match${evidenceText(m)})`).join(', ')}`)
      if (shownBack.length > 0) summary.push(`Needs what this offer provides: ${shownBack.slice(0, 3).map((m) => `"${m.matched}" (for "${m.sought}", ${m.strength} match${evidenceText(m)})`).join(', ')}`)
      if (interested) summary.push('Interested in this topic')
      if (sharedS3.length > 0) summary.push(`Same S3 areas: ${sharedS3.join(', ')}`)
      return {
        id: d.id,
        score: Math.round(score * 10_000) / 10_000,
        name: String(d.title ?? d.id),
        ...(d.organization_id ? { organizationId: String(d.organization_id) } : {}),
        reasons: { matched: shown, matchedBack: shownBack, interested, sharedS3Areas: sharedS3, summary },
        features
      }
    })
  }
}

function list (v: unknown): string[] { return Array.isArray(v) ? v.map(String) : [] }

/**
 * Organisations found for what a proposal seeks and for what it offers, each once: at the better of
 * its two scores (the features of that side), with what it has for the one and needs of the other.
 */
function mergeOrganizations (sought: readonly PartnerResult[], offered: readonly PartnerResult[]): PartnerResult[] {
  const byId = new Map(sought.map((o) => [o.id, o]))
  for (const o of offered) {
    const s = byId.get(o.id)
    if (!s) { byId.set(o.id, o); continue }
    const [top, other] = s.score >= o.score ? [s, o] : [o, s]
    byId.set(o.id, { ...top, reasons: { ...top.reasons, matched: s.reasons.matched, matchedBack: o.reasons.matchedBack, summary: [...new Set([...top.reasons.summary, ...other.reasons.summary])] } })
  }
  return [...byId.values()]
}
