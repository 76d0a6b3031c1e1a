import type { IndexDocument } from '../ports/search-index.ts'
import type { DocFields } from './retrieval.ts'
import { FACETS, RANKING_FIELDS, SEARCHED_FACETS } from '../../indexers/definitions.ts'

/**
 * The stored form of a document: its fields, its facet hashes as `hash_<facet>`, and one
 * `vec_<facet>` per facet its kind is searched by, each sent as base64 of its big-endian float32
 * bytes (Elasticsearch 9.3+ reads that form): a third of the JSON, and no float-to-decimal
 * printing, which dominated the cost of bulk indexing.
 */
export function toSource (doc: IndexDocument): Record<string, unknown> {
  const { facet_hashes: hashes, ...fields } = doc.fields as Record<string, unknown> & { facet_hashes?: Record<string, string> }
  const source: Record<string, unknown> = fields
  for (const [facet, hash] of Object.entries(hashes ?? {})) source[`hash_${facet}`] = hash
  for (const facet of SEARCHED_FACETS[doc.kind]) {
    const v = doc.vectors[facet]
    if (v) source[`vec_${facet}`] = base64BigEndian(v)
  }
  return source
}

/** Doc-value fields a ranking retrieval asks for, with the formats that give back what was sent. */
export const RANKING_DOCVALUES: ReadonlyArray<string | { field: string, format: string }> = [
  ...RANKING_FIELDS.single.filter((f) => f !== 'title' && f !== 'updated_at' && f !== 'deadline' && f !== 'date'),
  'title.raw',
  { field: 'updated_at', format: 'strict_date_time' },
  { field: 'deadline', format: 'strict_date' },
  { field: 'date', format: 'strict_date' },
  ...RANKING_FIELDS.multi,
  ...FACETS.map((f) => `hash_${f}`)
]

const SINGLE = new Set<string>(RANKING_FIELDS.single)

/** A hit's doc values as the document fields ranking reads (the shape the embedded index returns). */
export function fromDocValues (values: Record<string, unknown[]>): DocFields {
  const doc: Record<string, unknown> = {}
  const hashes: Record<string, string> = {}
  for (const [name, list] of Object.entries(values)) {
    if (name === 'title.raw') doc.title = list[0]
    else if (name.startsWith('hash_')) hashes[name.slice(5)] = String(list[0])
    else doc[name] = SINGLE.has(name) ? list[0] : list
  }
  doc.facet_hashes = hashes
  return doc as DocFields
}

const littleEndian = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f

function base64BigEndian (v: Float32Array): string {
  // One copy of the bytes, then a native byte swap: far cheaper than writing float by float.
  const bytes = Buffer.from(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))
  if (littleEndian) bytes.swap32()
  return bytes.toString('base64')
}
