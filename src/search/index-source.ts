import type { IndexDocument } from '../ports/search-index.ts'
import type { DocFields } from '../ports/retrieval.ts'
import { RANKING_FIELDS, SEARCHED_FACETS } from '../../indexers/definitions.ts'
import { vectorBase64 } from './vector-base64.ts'

/**
 * The stored form of a document: its fields, what ranking reads with the facet hashes as `ranking`
 * (base64 JSON, a binary doc value), and one
 * `vec_<facet>` per facet its kind is searched by, each sent in base64 (vector-base64.ts):
 * float-to-decimal printing dominated the cost of bulk indexing.
 */
export function toSource (doc: IndexDocument): Record<string, unknown> {
  const { facet_hashes: hashes, ...fields } = doc.fields as Record<string, unknown> & { facet_hashes?: Record<string, string> }
  const source: Record<string, unknown> = fields
  source.ranking = rankingValue(fields, hashes)
  for (const facet of SEARCHED_FACETS[doc.kind]) {
    const v = doc.vectors[facet]
    if (v) source[`vec_${facet}`] = vectorBase64(v)
  }
  return source
}

/** The doc value a ranking retrieval asks for (see RANKING_FIELDS). */
export const RANKING_DOCVALUE = 'ranking'

const RANKED: readonly string[] = [...RANKING_FIELDS.single, ...RANKING_FIELDS.multi]

/** What ranking reads of a document's fields, as the base64 JSON the `ranking` binary doc value holds. */
function rankingValue (fields: Record<string, unknown>, hashes: Record<string, string> | undefined): string {
  const picked: Record<string, unknown> = {}
  for (const name of RANKED) {
    const v = fields[name]
    if (v !== undefined && v !== null) picked[name] = v
  }
  picked.facet_hashes = hashes ?? {}
  return Buffer.from(JSON.stringify(picked)).toString('base64')
}

/** A hit's `ranking` doc value as the document fields ranking reads (the shape the embedded index returns). */
export function fromDocValues (values: Record<string, unknown[]>): DocFields {
  const value = values[RANKING_DOCVALUE]?.[0]
  if (typeof value !== 'string') throw new Error('a ranking retrieval hit has no ranking doc value (index built before mapping v5: run reindex)')
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as DocFields
}
