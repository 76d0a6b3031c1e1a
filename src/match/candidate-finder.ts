import type { SearchIndex } from '../ports/search-index.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import { phraseHash } from '../domain/facets.ts'
import { reciprocalRankFusion } from '../search/fusion.ts'
import type { DocFields, SemanticQuery } from '../ports/retrieval.ts'
import { PERSON_CANDIDATE_WEIGHTS, dot, jaccard, weightedScore } from './features.ts'
import type { PartnerMatcher } from './partner-matcher.ts'
import type { Candidate, PersonCandidate, PhraseMatch } from './match-schemas.ts'
import { PhraseJudge } from './phrase-judge.ts'
import { evidenceText } from './partner-matcher.ts'
import type { Seeker } from './seeker.ts'

export type { Candidate, PersonCandidate }

/**
 * Who should hear about a proposal: organisations that have what it seeks (the partner matcher,
 * complementary mode) and people whose expertise or interests fit it. People who opted out, private
 * records and the proposal's own author and organisation are never candidates. A candidate needs a
 * reason a person can check: an organisation or person with one of the sought phrases (a strong or
 * partial match for the model in use: phrase-strength.ts), or a person whose interests clear the same
 * bar; the rest of the retrieval pool is not returned.
 */
export class CandidateFinder {
  constructor (private readonly index: SearchIndex, private readonly cache: VectorCache, private readonly partners: PartnerMatcher) {}

  async find (proposal: Seeker, authorPersonId: string | null, model: string | null): Promise<Candidate[]> {
    const { results: orgs } = await this.partners.match({ seeker: proposal, mode: 'complementary', filters: {}, excludePastPartners: false, model })
    const people = await this.people(proposal, authorPersonId, model)
    return [
      ...orgs.filter((o) => o.reasons.matched.length > 0).map((o) => ({ type: 'organization' as const, ...o })),
      ...people.filter((p) => p.reasons.matched.length > 0 || p.reasons.interested).map((p) => ({ type: 'person' as const, ...p }))
    ].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
  }

  private async people (proposal: Seeker, author: string | null, model: string | null): Promise<PersonCandidate[]> {
    const seeks = proposal.vectors.needs ?? proposal.vectors.profile
    const semantic: SemanticQuery[] = []
    if (seeks) semantic.push({ name: 'knn:expertise', facet: 'competencies', vector: seeks })
    if (proposal.vectors.profile) semantic.push({ name: 'knn:interests', facet: 'needs', vector: proposal.vectors.profile })
    const text = proposal.texts.needs ?? proposal.texts.profile
    const found = await this.index.retrieve({
      kind: 'people',
      filter: {
        flags: { opt_out: false },
        noneOf: { id: author ? [author] : [], visibility: ['private'], ...(proposal.organizationId ? { organization_id: [proposal.organizationId] } : {}) }
      },
      ...(text ? { lexical: { text, fields: { competencies_text: 2, needs_text: 1, text: 1 } } } : {}),
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
      ? await this.cache.getMany(model, docs.flatMap((d) => [...Object.values((d.facet_hashes as Record<string, string>) ?? {}), ...list(d.competencies).map(phraseHash)]))
      : new Map<string, Float32Array>()
    return fused.map((f, i) => {
      const d = docs[i] as DocFields
      const h = (d.facet_hashes as Record<string, string> | undefined) ?? {}
      const expertise = vectors.get(h.competencies ?? '')
      const interests = vectors.get(h.needs ?? '')
      const matched = proposal.seeks.flatMap((p) => {
        let top: { sought: string, matched: string, similarity: number, strength: 'strong' | 'partial' | null, evidence?: PhraseMatch['evidence'], concept?: string } | null = null
        for (const e of list(d.competencies)) {
          const j = judge.judge(p.text, p.vector, e, vectors.get(phraseHash(e)))
          const better = top === null || (j.strength !== null && top.strength === null) || ((j.strength !== null) === (top.strength !== null) && j.similarity > top.similarity)
          if (better) top = { sought: p.text, matched: e, similarity: Math.round(Math.max(0, j.similarity) * 10_000) / 10_000, strength: j.strength, ...(j.via ? { evidence: j.via } : {}), ...(j.concept ? { concept: j.concept } : {}) }
        }
        return top && top.similarity > 0 ? [top] : []
      })
      const sharedS3 = list(d.s3_areas).filter((a) => proposal.s3Areas.includes(a))
      const values = {
        expertise_fit: seeks && expertise ? Math.max(0, dot(seeks, expertise)) : 0,
        interest_fit: proposal.vectors.profile && interests ? Math.max(0, dot(proposal.vectors.profile, interests)) : 0,
        phrase_match: proposal.seeks.length > 0 ? matched.reduce((s, m) => s + m.similarity, 0) / proposal.seeks.length : 0,
        fusion: f.score / best,
        shared_s3: jaccard(proposal.s3Areas, list(d.s3_areas))
      }
      const { score, features } = weightedScore(values, PERSON_CANDIDATE_WEIGHTS)
      const shown = matched.filter((m): m is PhraseMatch => m.strength !== null)
      // Whole-text fit is held to the phrase bar of the model, where it holds for the two languages.
      const bar = judge.trusts(seekLang, this.partners.concepts.majorityLanguage([...list(d.competencies), ...list(d.needs)]))
      const interested = bar !== null && values.interest_fit >= bar.partial
      const summary: string[] = []
      if (shown.length > 0) summary.push(`Has the expertise sought: ${shown.slice(0, 3).map((m) => `"${m.matched}" (for "${m.sought}", ${m.strength} match${evidenceText(m)})`).join(', ')}`)
      if (interested) summary.push('Interested in this topic')
      if (sharedS3.length > 0) summary.push(`Same S3 areas: ${sharedS3.join(', ')}`)
      return {
        id: d.id,
        score: Math.round(score * 10_000) / 10_000,
        name: String(d.title ?? d.id),
        ...(d.organization_id ? { organizationId: String(d.organization_id) } : {}),
        reasons: { matched: shown, interested, sharedS3Areas: sharedS3, summary },
        features
      }
    })
  }
}

function list (v: unknown): string[] { return Array.isArray(v) ? v.map(String) : [] }
