import { createHash } from 'node:crypto'
import { CursorInvalidError, CursorMismatchError } from '../errors.ts'

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
    throw new CursorInvalidError()
  }
  // Any JSON decodes: `null`, a number or an array is no cursor either.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CursorInvalidError()
  if (!('o' in parsed) || !('f' in parsed)) throw new CursorInvalidError()
  if (typeof parsed.o !== 'number' || !Number.isInteger(parsed.o) || parsed.o < 0) throw new CursorInvalidError()
  if (parsed.f !== print) throw new CursorMismatchError()
  return parsed.o
}
