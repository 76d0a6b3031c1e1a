import type { IndexDocument } from '../ports/search-index.ts'

/** The stored form of a document: its fields plus one `vec_<facet>` array per facet. */
export function toSource (doc: IndexDocument): Record<string, unknown> {
  const source: Record<string, unknown> = { ...doc.fields }
  for (const [facet, v] of Object.entries(doc.vectors)) if (v) source[`vec_${facet}`] = Array.from(v)
  return source
}
