import type { IndexDocument } from '../ports/search-index.ts'

/**
 * The stored form of a document: its fields plus one `vec_<facet>` per facet, each sent as base64 of
 * its big-endian float32 bytes (Elasticsearch 9.3+ reads that form): a third of the JSON, and no
 * float-to-decimal printing, which dominated the cost of bulk indexing.
 */
export function toSource (doc: IndexDocument): Record<string, unknown> {
  const source: Record<string, unknown> = { ...doc.fields }
  for (const [facet, v] of Object.entries(doc.vectors)) if (v) source[`vec_${facet}`] = base64BigEndian(v)
  return source
}

function base64BigEndian (v: Float32Array): string {
  const bytes = Buffer.allocUnsafe(v.length * 4)
  for (let i = 0; i < v.length; i++) bytes.writeFloatBE(v[i] as number, i * 4)
  return bytes.toString('base64')
}
