import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { readFile } from 'node:fs/promises'
import type { Qrels } from '../../src/match/ranker/ir-metrics.ts'

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

export interface SciFactQuery { id: string, text: string }

/** The train claims (809 with judgements, 1,109 in all). */
export async function loadQueries (): Promise<SciFactQuery[]> {
  const raw = await readFile(join(SHARED_DATA, 'scifact', 'queries_train.jsonl'), 'utf8')
  return raw.split('\n').filter((l) => l.trim()).map((l) => {
    const q = JSON.parse(l) as { _id: string, text: string }
    return { id: String(q._id), text: q.text }
  })
}

/** The train judgements: query id -> abstract id -> grade. */
export async function loadQrels (): Promise<Qrels> {
  const lines = (await readFile(join(SHARED_DATA, 'scifact', 'qrels_train.tsv'), 'utf8')).split('\n').filter((l) => l.trim())
  const header = lines[0]?.split('\t') ?? []
  const hasHeader = header[0] === 'query-id'
  if (hasHeader && (header[1] !== 'corpus-id' || header[2] !== 'score')) throw new Error(`unexpected qrels header: ${lines[0]}`)
  const qrels: Qrels = new Map()
  for (const line of hasHeader ? lines.slice(1) : lines) {
    const [q, d, s] = line.split('\t')
    if (q === undefined || d === undefined || s === undefined) throw new Error(`bad qrels line: ${line}`)
    let rel = qrels.get(q)
    if (!rel) qrels.set(q, rel = new Map())
    rel.set(d, Number(s))
  }
  return qrels
}
