import { Type } from '@sinclair/typebox'
import { fingerprint, type Cursors } from '../../match/cursor.ts'

/** `limit` and `cursor`, the paging parameters every listing route takes. */
export const PageParams = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The nextCursor of the previous page, with the same request.' }))
}

/** `nextCursor`, the field every listing answer ends with. */
export const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'Cursor of the next page; null on the last.' })

export interface Page {
  /** Results before this page. */
  offset: number
  /** Results on this page (the limit asked for). */
  size: number
  /** The next page's cursor, or null when `total` ends within this page. */
  next (total: number): string | null
}

/**
 * The page a request asks for. The cursor must be one `cursors` signed (a forged one is refused with
 * a 400), and is checked against a fingerprint of the request without its paging (and `explain`,
 * which changes no ranking): a cursor replayed with another request is refused with a 400. `scope`
 * is what else identifies the request (e.g. the path's id).
 */
export function pageOf (cursors: Cursors, request: { cursor?: string | undefined, limit?: number | undefined, explain?: boolean | undefined }, scope: Record<string, unknown> = {}): Page {
  const { cursor, limit, explain: _explain, ...rest } = request
  const print = fingerprint({ ...scope, ...rest })
  const offset = cursors.decode(cursor, print)
  const size = limit ?? 10
  return { offset, size, next: (total) => offset + size < total ? cursors.encode(offset + size, print) : null }
}
