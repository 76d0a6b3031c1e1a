// Long documents: how should a text longer than the model's window be embedded? SciFact abstracts
// average about 337 tokens; all-MiniLM-L6-v2 reads 256, bge-small-en-v1.5 512. Three ways, compared
// on semantic retrieval alone (exact kNN over the whole corpus, the claim embedded as a query) and on
// embedding cost:
//   first window        the text alone, cut at the model's window;
//   title + window      the title, then the text, cut at the window (what the service embeds: a
//                       record's profile facet is its title and its texts, src/domain/facets.ts);
//   chunks, max-pool    the title, then overlapping chunks of the text (each within the window), one
//                       vector per chunk; a document scores its best chunk.
//
//   npx tsx bench/long-documents.ts            (BENCH_MODELS=all-minilm-l6-v2,bge-small-en-v1.5)
//
// A run for some models keeps the other models' rows of the previous result file (each row says the
// date of its run), so the models can be measured one at a time (bge-small takes about 25 minutes).
//
// The variant is chosen on the tune half of the claims and reported on the held-out half (the
// fixed split of the other quality benchmarks); paired differences against "title + window" with
// their standard errors. Embedding cost is the wall time to embed the corpus each way on this
// machine, as documents per second (the other processes of the machine idle, one run: ±10%).
import { readFile } from 'node:fs/promises'
import { loadModel } from '../src/embedding/load-model.ts'
import { modelSpec } from '../src/embedding/model-catalog.ts'
import { TransformersEmbedder } from '../src/embedding/transformers-embedder.ts'
import { dot } from '../src/match/features.ts'
import { half, mean, ndcgAt, recallAt, stderr } from '../src/match/ranker/ir-metrics.ts'
import { loadConfig } from '../config/load.ts'
import { loadQrels, loadQueries, scifactCorpus, type SciFactDoc } from './lib/scifact.ts'
import { report } from './lib/report.ts'

const MODELS = (process.env.BENCH_MODELS ?? 'all-minilm-l6-v2,bge-small-en-v1.5').split(',').filter(Boolean)
/** Words per chunk for a model window of N tokens: about 0.6 N (scientific words run to 1.5 word pieces), a quarter overlapping. */
const wordsPerChunk = (maxTokens: number) => Math.floor(maxTokens * 0.6)

const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`)
const round = (x: number) => Math.round(x * 10_000) / 10_000

function chunks (doc: SciFactDoc, words: number): string[] {
  const w = doc.text.split(/\s+/).filter(Boolean)
  if (w.length <= words) return [`${doc.title}. ${doc.text}`]
  const step = Math.floor(words * 0.75)
  const out: string[] = []
  for (let at = 0; at < w.length; at += step) {
    out.push(`${doc.title}. ${w.slice(at, at + words).join(' ')}`)
    if (at + words >= w.length) break
  }
  return out
}

async function main (): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'silent' })
  const docs: SciFactDoc[] = []
  for await (const d of scifactCorpus()) docs.push(d)
  const queries = await loadQueries()
  const qrels = await loadQrels()
  const judged = queries.filter((q) => qrels.has(q.id))
  const rows: Array<Record<string, string | number>> = []
  const details: Record<string, unknown> = {}
  for (const name of MODELS) {
    const spec = modelSpec(name)
    const embedder = new TransformersEmbedder()
    embedder.use(await loadModel({ spec, modelsDir: config.MODELS_DIR, allowRemote: false, allowMaven: false, log: () => {} }))
    const embed = async (texts: string[], role: 'query' | 'passage') => {
      const out: Float32Array[] = []
      for (let i = 0; i < texts.length; i += 32) out.push(...await embedder.embed(texts.slice(i, i + 32), role))
      return out
    }
    const qv = await embed(judged.map((q) => q.text), 'query')
    const words = wordsPerChunk(spec.maxTokens)
    const variants: Array<{ name: string, texts: (d: SciFactDoc) => string[] }> = [
      { name: 'first window', texts: (d) => [d.text] },
      { name: 'title + window', texts: (d) => [`${d.title}. ${d.text}`] },
      { name: 'chunks, max-pool', texts: (d) => chunks(d, words) }
    ]
    const perQuery: Record<string, { ndcg: number[], recall: number[], half: string[] }> = {}
    const cost: Record<string, { vectors: number, ms: number, docsPerSecond: number }> = {}
    for (const v of variants) {
      const owners: number[] = []
      const texts: string[] = []
      docs.forEach((d, i) => { for (const t of v.texts(d)) { texts.push(t); owners.push(i) } })
      const started = performance.now()
      const vectors = await embed(texts, 'passage')
      const ms = performance.now() - started
      cost[v.name] = { vectors: vectors.length, ms: Math.round(ms), docsPerSecond: Math.round(docs.length / (ms / 1000)) }
      log(`${name} / ${v.name}: ${vectors.length} vectors for ${docs.length} documents in ${(ms / 1000).toFixed(0)} s`)
      const out = { ndcg: [] as number[], recall: [] as number[], half: [] as string[] }
      judged.forEach((q, qi) => {
        const best = new Float64Array(docs.length).fill(-Infinity)
        const query = qv[qi] as Float32Array
        vectors.forEach((vec, k) => {
          const s = dot(query, vec)
          const o = owners[k] as number
          if (s > (best[o] as number)) best[o] = s
        })
        const ranked = [...best.keys()].sort((a, b) => (best[b] as number) - (best[a] as number)).slice(0, 100).map((i) => (docs[i] as SciFactDoc)._id)
        const relevant = qrels.get(q.id) as Map<string, number>
        out.ndcg.push(ndcgAt(ranked, relevant, 10))
        out.recall.push(recallAt(ranked, relevant, 100))
        out.half.push(half(q.id))
      })
      perQuery[v.name] = out
    }
    await embedder.close()
    const base = perQuery['title + window'] as { ndcg: number[] }
    const on = (h: string, xs: number[], hs: string[]) => xs.filter((_, i) => hs[i] === h)
    const tuneBest = variants.map((v) => v.name).sort((a, b) => {
      const pa = perQuery[a] as { ndcg: number[], half: string[] }
      const pb = perQuery[b] as { ndcg: number[], half: string[] }
      return mean(on('tune', pb.ndcg, pb.half)) - mean(on('tune', pa.ndcg, pa.half))
    })[0]
    for (const v of variants) {
      const p = perQuery[v.name] as { ndcg: number[], recall: number[], half: string[] }
      const held = on('held-out', p.ndcg, p.half)
      const diff = p.ndcg.map((x, i) => x - (base.ndcg[i] as number)).filter((_, i) => p.half[i] === 'held-out')
      rows.push({
        model: name,
        variant: v.name + (v.name === tuneBest ? ' (best on tune)' : ''),
        'nDCG@10 tune': round(mean(on('tune', p.ndcg, p.half))),
        'nDCG@10 held-out': round(mean(held)),
        '±se': round(stderr(held)),
        'R@100 held-out': round(mean(on('held-out', p.recall, p.half))),
        'Δ vs title+window': `${round(mean(diff))} ± ${round(stderr(diff))}`,
        'docs/s': (cost[v.name] as { docsPerSecond: number }).docsPerSecond,
        vectors: (cost[v.name] as { vectors: number }).vectors,
        measured: new Date().toISOString().slice(0, 10)
      })
    }
    details[name] = { window: spec.maxTokens, wordsPerChunk: words, cost, bestOnTune: tuneBest }
  }
  // Rows and details of the models this run did not measure, from the previous result.
  const previous = JSON.parse(await readFile(new URL('./results/long-documents.json', import.meta.url), 'utf8').catch(() => '{}')) as { rows?: Array<Record<string, string | number>>, models?: Record<string, unknown> }
  const kept = (previous.rows ?? []).filter((r) => !MODELS.includes(String(r.model)))
  const keptModels = Object.fromEntries(Object.entries(previous.models ?? {}).filter(([m]) => !MODELS.includes(m)))
  await report('long-documents', [...kept, ...rows], {
    corpus: `SciFact train: ${docs.length} abstracts, ${judged.length} judged claims`,
    split: 'fixed hash split of the claims (src/match/ranker/ir-metrics.ts half): chosen on tune, reported on held-out',
    retrieval: 'exact kNN over the whole corpus (the claim embedded as a query); chunks: a document scores its best chunk',
    models: { ...keptModels, ...details }
  })
}

await main()
