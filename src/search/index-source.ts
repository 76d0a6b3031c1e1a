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

const littleEndian = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f

function base64BigEndian (v: Float32Array): string {
  // One copy of the bytes, then a native byte swap: far cheaper than writing float by float.
  const bytes = Buffer.from(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))
  if (littleEndian) bytes.swap32()
  return bytes.toString('base64')
}
