import type { Kind } from '../src/domain/kinds.ts'
import type { Facet } from '../src/domain/facets.ts'
import { detectLanguage } from '../src/search/language.ts'
import { defaultConcepts } from '../src/concepts/concepts.ts'
import { phrasesOf } from '../src/domain/facets.ts'

/** What the search index holds for one record: filterable fields, texts, and one vector per facet. */
export interface IndexDocument {
  kind: Kind
  id: string
  version: number
  fields: Record<string, unknown>
  vectors: Partial<Record<Facet, Float32Array>>
}

const text = (...parts: unknown[]): string | undefined => {
  const s = parts.flatMap((p) => Array.isArray(p) ? p : [p]).filter((p) => typeof p === 'string' && p).join('. ')
  return s || undefined
}

/** Maps a stored record body to the index's fields (see definitions.ts). */
export function indexFields (kind: Kind, id: string, version: number, r: Record<string, any>, updatedAt: string, model: string | null): Record<string, unknown> {
  const f: Record<string, unknown> = { kind, id, version, visibility: r.visibility ?? 'public', updated_at: updatedAt }
  if (model) f.model = model
  switch (kind) {
    case 'organizations':
      Object.assign(f, {
        title: r.name,
        text: text(r.description, r.results),
        competencies_text: text(r.competencies, r.competenciesText),
        needs_text: text(r.needs, r.needsText),
        competencies: r.competencies,
        needs: r.needs,
        s3_areas: r.s3Areas,
        sectors: r.sectors,
        country: r.country,
        region: r.region,
        province: r.province,
        org_kind: r.kind,
        size: r.size,
        participants: r.projects
      })
      break
    case 'people':
      Object.assign(f, {
        title: r.name,
        text: text(r.role, r.interestsText),
        competencies_text: text(r.expertise),
        needs_text: text(r.interests, r.interestsText),
        competencies: r.expertise,
        needs: r.interests,
        s3_areas: r.s3Areas,
        organization_id: r.organizationId,
        opt_out: r.optOut ?? false
      })
      break
    case 'proposals':
      Object.assign(f, {
        title: r.title,
        text: r.body,
        competencies_text: text(r.offers, r.offersText),
        needs_text: text(r.seeks, r.seeksText),
        competencies: r.offers,
        needs: r.seeks,
        s3_areas: r.s3Areas,
        sectors: r.sectors,
        countries_sought: r.countriesSought,
        type: r.kind,
        status: r.status ?? 'open',
        deadline: r.deadline,
        author_person_id: r.authorPersonId,
        author_organization_id: r.authorOrganizationId
      })
      break
    case 'projects':
      Object.assign(f, {
        title: r.title,
        text: r.summary,
        programme: r.programme,
        date: r.start,
        participants: Array.isArray(r.participants) ? r.participants.map((p: { organizationId: string }) => p.organizationId) : undefined
      })
      break
    case 'communities':
      Object.assign(f, { title: r.title, text: r.text, tags: r.tags, s3_areas: r.s3Areas })
      break
    case 'content':
      Object.assign(f, { title: r.title, text: r.text, tags: r.tags, type: r.type, community_id: r.communityId, date: r.date })
      break
  }
  // The termbase's concepts its phrases name (src/concepts/): what it has, and what it seeks. Retrieval
  // finds a record by them across languages; facets count them.
  const phrases = phrasesOf(kind, r)
  const concepts = defaultConcepts()
  const has = concepts.idsOf(phrases.competencies)
  const seeks = concepts.idsOf(phrases.needs)
  if (has.length > 0) f.concepts = has
  if (seeks.length > 0) f.need_concepts = seeks
  // What free-text search runs over: every text of the record as one field, analysed in the
  // record's language only (its `lang`, else detected; both when it cannot be told). Analysing
  // English abstracts with the Italian chain too, and the title as a field of its own with a boost,
  // each cost SciFact's BM25 nDCG (bench/quality.ts).
  const all = text(f.title, f.text, f.competencies_text, f.needs_text)
  if (all) {
    const lang = r.lang === 'it' || r.lang === 'en' ? r.lang : detectLanguage(all)
    if (lang) f.lang = lang
    if (lang !== 'it') f.search_en = all
    if (lang !== 'en') f.search_it = all
  }
  for (const key of Object.keys(f)) if (f[key] === undefined) delete f[key]
  return f
}

/** The fields only free-text search reads: never returned with a document (Elasticsearch keeps them out of `_source`). */
export const SEARCH_ONLY_FIELDS = ['search_en', 'search_it'] as const
