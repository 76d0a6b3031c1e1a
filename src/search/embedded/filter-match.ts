import type { DocFields, Filter } from '../../ports/retrieval.ts'

const values = (v: unknown): unknown[] => Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]

/** Whether a document's fields satisfy a Filter, with Elasticsearch's semantics for the same clauses. */
export function matchesFilter (doc: DocFields, filter: Filter): boolean {
  for (const [field, wanted] of Object.entries(filter.anyOf ?? {})) {
    if (!wanted || wanted.length === 0) continue
    const have = values(doc[field])
    if (!have.some((v) => wanted.includes(v as string))) return false
  }
  for (const [field, banned] of Object.entries(filter.noneOf ?? {})) {
    if (!banned || banned.length === 0) continue
    if (values(doc[field]).some((v) => banned.includes(v as string))) return false
  }
  for (const [flag, value] of Object.entries(filter.flags ?? {})) {
    if ((doc[flag] === true) !== value) return false
  }
  for (const [field, r] of Object.entries(filter.dates ?? {})) {
    if (!r) continue
    const v = doc[field]
    if (v === undefined || v === null) {
      if (r.orMissing) continue
      return false
    }
    const t = Date.parse(String(v))
    if (r.gte && t < Date.parse(r.gte)) return false
    if (r.lte && t > Date.parse(r.lte)) return false
  }
  return true
}
