/**
 * bytea to and from PGlite's text form ("\x" and two hex digits a byte) with Node's native hex
 * codec. PGlite's own turns each byte into a string of its own and back (Array.from, toString(16),
 * parseInt): for the vector table's 1.5 KB values it was a quarter of the API thread's work while
 * an import was being embedded (a CPU profile of bench/ingest.ts), CPU the model then lacked.
 */
const BYTEA = 17

function serialize (value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type')
  return '\\x' + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
}

function parse (text: string): Uint8Array {
  // A copy of its own: Buffer.from may lend a slice of a shared pool.
  return new Uint8Array(Buffer.from(text.slice(2), 'hex'))
}

export const byteaSerializers = { [BYTEA]: serialize }
export const byteaParsers = { [BYTEA]: parse }
