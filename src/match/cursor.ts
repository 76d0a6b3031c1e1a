import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.ts'
import { CursorInvalidError, CursorMismatchError } from '../errors.ts'

/**
 * Opaque page cursors: the offset of the next page and a fingerprint of the request it belongs to,
 * so a cursor replayed with another request is refused instead of paging through the wrong list;
 * signed (HMAC-SHA256), so only a cursor this service issued is accepted: the real fingerprint with
 * another offset is refused like any made-up cursor.
 */
export function fingerprint (request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('base64url').slice(0, 12)
}

/** Bytes of the signature a cursor carries (128 bits: 22 characters). */
const TAG_BYTES = 16

/** Issues and checks cursors with one key (cursorKey: the one every process on the store shares). */
export class Cursors {
  constructor (private readonly key: Buffer) {}

  private tag (payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, TAG_BYTES)
  }

  encode (offset: number, print: string): string {
    const payload = Buffer.from(JSON.stringify({ o: offset, f: print })).toString('base64url')
    return `${payload}.${this.tag(payload).toString('base64url')}`
  }

  /** The offset a cursor points at; throws a 400 naming the problem. */
  decode (cursor: string | undefined, print: string): number {
    if (!cursor) return 0
    const dot = cursor.indexOf('.')
    if (dot < 0) throw new CursorInvalidError()
    const payload = cursor.slice(0, dot)
    const tag = Buffer.from(cursor.slice(dot + 1), 'base64url')
    if (tag.length !== TAG_BYTES || !timingSafeEqual(tag, this.tag(payload))) throw new CursorInvalidError()
    let parsed: unknown
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      throw new CursorInvalidError()
    }
    // Signed by us, so well formed; checked all the same.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CursorInvalidError()
    if (!('o' in parsed) || !('f' in parsed)) throw new CursorInvalidError()
    if (typeof parsed.o !== 'number' || !Number.isInteger(parsed.o) || parsed.o < 0) throw new CursorInvalidError()
    if (parsed.f !== print) throw new CursorMismatchError()
    return parsed.o
  }
}

/**
 * The cursor signing key, kept in the store (service_secrets, `cursor`): made at random by the first
 * process that needs it, read by every other, so any API process on one database accepts the
 * cursors the others issued, and cursors outlive a restart.
 */
export async function cursorKey (db: Kysely<Database>): Promise<Buffer> {
  const read = () => db.selectFrom('service_secrets').select('secret').where('name', '=', 'cursor').executeTakeFirst()
  const stored = await read()
  if (stored) return Buffer.from(stored.secret, 'base64url')
  // Processes starting together: the first insert wins, and every one reads the winner's key.
  await db.insertInto('service_secrets').values({ name: 'cursor', secret: randomBytes(32).toString('base64url') })
    .onConflict((c) => c.column('name').doNothing()).execute()
  const row = await read()
  if (!row) throw new Error('the cursor key could not be stored')
  return Buffer.from(row.secret, 'base64url')
}
