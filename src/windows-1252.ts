/**
 * Text sent as Latin-1. Browsers and the WHATWG Encoding Standard read every label of the Latin-1
 * family (iso-8859-1, latin1, us-ascii, windows-1252, ...) as windows-1252: ISO-8859-1 with
 * printable characters (€, curly quotes, dashes, Œ ...) in place of most C1 controls (0x80-0x9F).
 * Node's TextDecoder maps those bytes to the C1 controls instead, so the table is here.
 */

/** The labels, as the Encoding Standard lists them, that name UTF-8 and windows-1252. */
export const UTF8_LABELS: ReadonlySet<string> = new Set(['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8'])
export const WINDOWS_1252_LABELS: ReadonlySet<string> = new Set([
  'ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819', 'iso-8859-1', 'iso-ir-100', 'iso8859-1',
  'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1', 'latin1', 'us-ascii', 'windows-1252', 'x-cp1252'
])

// 0x80-0x9F; the five bytes windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay the C1 controls.
const HIGH = [
  0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
  0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178
].map((c) => String.fromCharCode(c))

/** Bytes in windows-1252 as UTF-8 bytes. One byte is one character, so chunks convert one by one. */
export function windows1252ToUtf8 (bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString('latin1').replace(/[\x80-\x9f]/g, (c) => HIGH[c.charCodeAt(0) - 0x80] as string), 'utf8')
}
