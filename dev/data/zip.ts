/**
 * Just enough of the ZIP format to read the entries of the archives the public data sets come in
 * (BEIR, CORDIS): the central directory at the end of the file, stored or deflated entries, no ZIP64.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs'
import { Readable } from 'node:stream'
import { createInflateRaw } from 'node:zlib'

export interface ZipEntry {
  name: string
  method: number
  compressedSize: number
  size: number
  /** Offset of the entry's local header. */
  offset: number
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50
const CENTRAL_FILE_HEADER = 0x02014b50
const LOCAL_FILE_HEADER = 0x04034b50

function read (fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length)
  const n = readSync(fd, buf, 0, length, position)
  return buf.subarray(0, n)
}

/** The entries listed in the archive's central directory. */
export function zipEntries (path: string): ZipEntry[] {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    // The end record is 22 bytes plus a comment of at most 65,535.
    const tailLength = Math.min(size, 22 + 65_535)
    const tail = read(fd, size - tailLength, tailLength)
    let end = -1
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) { end = i; break }
    }
    if (end < 0) throw new Error(`${path} is not a zip archive (no end of central directory)`)
    const count = tail.readUInt16LE(end + 10)
    const dirSize = tail.readUInt32LE(end + 12)
    const dirOffset = tail.readUInt32LE(end + 16)
    if (count === 0xffff || dirOffset === 0xffffffff) throw new Error(`${path} is a ZIP64 archive, which this reader does not handle`)
    const dir = read(fd, dirOffset, dirSize)
    const entries: ZipEntry[] = []
    let p = 0
    for (let i = 0; i < count; i++) {
      if (dir.readUInt32LE(p) !== CENTRAL_FILE_HEADER) throw new Error(`${path}: bad central directory entry ${i}`)
      const nameLength = dir.readUInt16LE(p + 28)
      const extraLength = dir.readUInt16LE(p + 30)
      const commentLength = dir.readUInt16LE(p + 32)
      entries.push({
        name: dir.subarray(p + 46, p + 46 + nameLength).toString('utf8'),
        method: dir.readUInt16LE(p + 10),
        compressedSize: dir.readUInt32LE(p + 20),
        size: dir.readUInt32LE(p + 24),
        offset: dir.readUInt32LE(p + 42)
      })
      p += 46 + nameLength + extraLength + commentLength
    }
    return entries
  } finally {
    closeSync(fd)
  }
}

/** The first entry whose name is `name` or ends with `/name`. */
export function findEntry (entries: ZipEntry[], name: string): ZipEntry | undefined {
  return entries.find((e) => e.name === name || e.name.endsWith('/' + name))
}

/** The entry's content, uncompressed, as a stream. */
export function openEntry (path: string, entry: ZipEntry): Readable {
  const fd = openSync(path, 'r')
  let header: Buffer
  try {
    header = read(fd, entry.offset, 30)
  } finally {
    closeSync(fd)
  }
  if (header.readUInt32LE(0) !== LOCAL_FILE_HEADER) throw new Error(`${path}: bad local header for ${entry.name}`)
  const start = entry.offset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28)
  if (entry.compressedSize === 0) return Readable.from([])
  const raw = createReadStream(path, { start, end: start + entry.compressedSize - 1 })
  if (entry.method === 0) return raw
  if (entry.method === 8) return raw.pipe(createInflateRaw())
  throw new Error(`${path}: ${entry.name} uses compression method ${entry.method}, not stored or deflated`)
}
