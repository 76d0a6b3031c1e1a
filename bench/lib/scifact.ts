import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { createInterface } from 'node:readline'
import { join } from 'node:path'

/** ../shared/data, relative to the project root (override with SHARED_DATA_DIR). */
export const SHARED_DATA = process.env.SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data')

export interface SciFactDoc { _id: string, title: string, text: string }

/** Streams the SciFact corpus (5,183 abstracts). */
export async function * scifactCorpus (): AsyncGenerator<SciFactDoc> {
  const lines = createInterface({ input: createReadStream(join(SHARED_DATA, 'scifact', 'corpus.jsonl.gz')).pipe(createGunzip()) })
  for await (const line of lines) if (line.trim()) yield JSON.parse(line) as SciFactDoc
}

/** The first `n` sentences of the corpus: real scientific English of realistic lengths. */
export async function scifactSentences (n: number): Promise<string[]> {
  const out: string[] = []
  for await (const doc of scifactCorpus()) {
    for (const s of doc.text.split(/(?<=\.)\s+(?=[A-Z])/)) {
      if (s.length >= 30) out.push(s)
      if (out.length >= n) return out
    }
  }
  return out
}
