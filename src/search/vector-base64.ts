const littleEndian = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f

/**
 * A float vector as Elasticsearch reads it in a document (9.3+) or a kNN query (checked on 9.5.3,
 * the version dev/elasticsearch runs): base64 of its big-endian float32 bytes. A third of the JSON
 * of 384 decimals, and no float-to-decimal printing here (bench/knn-vector-format.ts).
 */
export function vectorBase64 (v: Float32Array): string {
  // One copy of the bytes, then a native byte swap: far cheaper than writing float by float.
  const bytes = Buffer.from(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))
  if (littleEndian) bytes.swap32()
  return bytes.toString('base64')
}
