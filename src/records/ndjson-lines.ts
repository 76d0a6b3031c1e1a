import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'

/** One line of an NDJSON stream: its text, or `tooLong` when it passed the limit (its text is dropped). */
export type NdjsonLine = { n: number, text: string, tooLong?: undefined } | { n: number, text: '', tooLong: number }

/**
 * The lines of a stream, numbered from 1, each at most `maxBytes` long. A longer line is not
 * buffered: its bytes are counted and dropped as they arrive, and it is yielded as `tooLong`
 * (with its length), so that one huge line costs no memory and the lines after it are still read.
 * Splits on \n and drops a \r before it, as readline does with crlfDelay Infinity, and drops a
 * UTF-8 byte order mark at the start of the stream.
 */
export async function * ndjsonLines (input: Readable, maxBytes: number): AsyncGenerator<NdjsonLine> {
  const decoder = new StringDecoder('utf8')
  let parts: Buffer[] = []
  let length = 0
  let dropped = 0
  let n = 0
  const finish = (): NdjsonLine => {
    n++
    if (dropped > 0) {
      const line: NdjsonLine = { n, text: '', tooLong: dropped + length }
      dropped = 0
      parts = []
      length = 0
      return line
    }
    let text = decoder.write(Buffer.concat(parts, length)) + decoder.end()
    if (text.endsWith('\r')) text = text.slice(0, -1)
    // A byte order mark before the first line is no part of it (JSON.parse would refuse it).
    if (n === 1 && text.charCodeAt(0) === 0xFEFF) text = text.slice(1)
    parts = []
    length = 0
    return { n, text }
  }
  for await (const chunk of input) {
    const buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    let start = 0
    for (;;) {
      const end = buf.indexOf(10, start)
      const piece = buf.subarray(start, end === -1 ? buf.length : end)
      if (dropped > 0 || length + piece.length > maxBytes) {
        // Past the limit: count, keep nothing.
        dropped += length + piece.length
        parts = []
        length = 0
      } else if (piece.length > 0) {
        parts.push(piece)
        length += piece.length
      }
      if (end === -1) break
      yield finish()
      start = end + 1
    }
  }
  if (length > 0 || dropped > 0) yield finish()
}
