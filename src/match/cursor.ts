import { createHash } from 'node:crypto'

/**
 * Opaque page cursors: the offset of the next page and a fingerprint of the request it belongs to,
 * so a cursor replayed with another request is refused instead of paging through the wrong list.
 */
export function fingerprint (request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('base64url').slice(0, 12)
}

export function encodeCursor (offset: number, print: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: print })).toString('base64url')
}

/** The offset a cursor points at; throws a 400 naming the problem. */
export function decodeCursor (cursor: string | undefined, print: string): number {
  if (!cursor) return 0
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw Object.assign(new Error('cursor is not a cursor this service issued'), { statusCode: 400 })
  }
  // Any JSON decodes: `null`, a number or an array is no cursor either.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw Object.assign(new Error('cursor is not a cursor this service issued'), { statusCode: 400 })
  if (!('o' in parsed) || !('f' in parsed)) throw Object.assign(new Error('cursor is not a cursor this service issued'), { statusCode: 400 })
  if (typeof parsed.o !== 'number' || !Number.isInteger(parsed.o) || parsed.o < 0) throw Object.assign(new Error('cursor is not a cursor this service issued'), { statusCode: 400 })
  if (parsed.f !== print) throw Object.assign(new Error('cursor belongs to a different request: repeat the same request with it'), { statusCode: 400 })
  return parsed.o
}
