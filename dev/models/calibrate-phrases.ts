// Calibrates phrase similarity per embedding model: when is a pair of competency phrases a "strong"
// match (the same competency in other words) and when a "partial" one (a related competency)?
//
//   npm run models:calibrate [-- model ...]     (default: every provisioned catalog model)
//
// Labelled pairs come from ESCO 1.2.0 (English; the digital, green, research and transversal skill
// collections in SHARED_DATA_DIR/taxonomies/esco-en-1.2.0-partial, ESCO licence with attribution):
//   same      a skill's preferred label and one of its alternative labels ("Haskell" / "Haskell techniques");
//   related   two skills under the same broader concept (siblings: "Haskell" / "Erlang");
//   unrelated a skill and the closest of five skills drawn at random from other broader concepts (a
//             reason pairs a sought phrase with the best of a candidate's several phrases, so an
//             unrelated candidate is judged by its best unrelated phrase).
// Skills are split by a hash of their URI: thresholds are chosen on the "tune" half and the precision
// and recall they give are measured on the "held-out" half, which is what the file records.
//   strong  = the lowest cosine at which ≥ 90% of tune pairs above it are `same` (against related and unrelated);
//   partial = the lowest cosine at which ≥ 80% of tune pairs above it are `same` or `related` (against unrelated);
// precision with the two sides weighted equally (it does not depend on how many pairs each side has).
// The result is written to src/embedding/phrase-calibration.json, which the matcher reads to decide
// which phrase pairs it states as reasons (src/match/phrase-strength.ts).
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../config/load.ts'
import { loadModel } from '../../src/embedding/load-model.ts'
import { MODEL_CATALOG, modelSpec } from '../../src/embedding/model-catalog.ts'
import { TransformersEmbedder } from '../../src/embedding/transformers-embedder.ts'
import { isProvisioned, modelFolder } from '../../src/embedding/maven-provisioner.ts'
import { dot } from '../../src/match/features.ts'
import { half } from '../../src/match/ranker/ir-metrics.ts'
import { readCsv } from '../../fixtures/lib/csv.ts'
import { Rng } from '../../fixtures/lib/prng.ts'
import { Termbase } from '../../src/concepts/termbase.ts'

const ESCO = join(process.env.SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'), 'taxonomies', 'esco-en-1.2.0-partial')
const COLLECTIONS = ['digitalSkillsCollection_en.csv', 'greenSkillsCollection_en.csv', 'researchSkillsCollection_en.csv', 'transversalSkillsCollection_en.csv']
const OUT = join(process.cwd(), 'src', 'embedding', 'phrase-calibration.json')
/** Balanced precision each level must reach: a strong match is the same competency 9 times in 10, a partial one a related competency 4 times in 5. */
const PRECISION = { strong: 0.9, partial: 0.8 }

interface Skill { uri: string, label: string, alt: string[], broader: string }
type Label = 'same' | 'related' | 'unrelated'
interface Pair { a: string, b: string[], label: Label, half: 'tune' | 'held-out' }

async function skills (): Promise<Skill[]> {
  const byUri = new Map<string, Skill>()
  for (const file of COLLECTIONS) {
    for (const r of readCsv(join(ESCO, file))) {
      const broader = (r.broaderConceptUri ?? '').split(' | ')[0] ?? ''
      if (!r.conceptUri || !r.preferredLabel || !broader || byUri.has(r.conceptUri)) continue
      byUri.set(r.conceptUri, { uri: r.conceptUri, label: r.preferredLabel.trim(), alt: (r.altLabels ?? '').split(/\s*\|\s*|\n/).map((s) => s.trim()).filter((s) => s && s.toLowerCase() !== r.preferredLabel?.toLowerCase()), broader })
    }
  }
  return [...byUri.values()].sort((a, b) => (a.uri < b.uri ? -1 : 1))
}

function pairs (list: readonly Skill[]): Pair[] {
  const rng = new Rng(7)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)] as T
  const out: Pair[] = []
  const byBroader = new Map<string, Skill[]>()
  for (const s of list) byBroader.set(s.broader, [...(byBroader.get(s.broader) ?? []), s])
  for (const s of list) {
    const h = half(s.uri)
    if (s.alt.length > 0) out.push({ a: s.label, b: [pick(s.alt)], label: 'same', half: h })
    const siblings = (byBroader.get(s.broader) ?? []).filter((o) => o !== s && half(o.uri) === h)
    if (siblings.length > 0) out.push({ a: s.label, b: [pick(siblings).label], label: 'related', half: h })
    const others = list.filter((o) => o.broader !== s.broader && half(o.uri) === h)
    out.push({ a: s.label, b: Array.from({ length: 5 }, () => pick(others).label), label: 'unrelated', half: h })
  }
  return out
}

/** Precision and recall of "cosine ≥ at", positives and negatives weighted equally. */
function measure (scored: ReadonlyArray<{ cos: number, positive: boolean }>, at: number) {
  const positives = scored.filter((s) => s.positive).length
  const negatives = scored.length - positives
  const hits = scored.filter((s) => s.positive && s.cos >= at).length
  const falseHits = scored.filter((s) => !s.positive && s.cos >= at).length
  const tpr = positives ? hits / positives : 0
  const fpr = negatives ? falseHits / negatives : 0
  return { precision: round(tpr + fpr > 0 ? tpr / (tpr + fpr) : 0), recall: round(tpr) }
}

/**
 * The lowest threshold (on a 0.005 grid, from 1 down) such that the balanced precision stays at or
 * above `precision` for it and every higher threshold that keeps any pair.
 */
function threshold (scored: ReadonlyArray<{ cos: number, positive: boolean }>, precision: number): number {
  let best = 1
  for (let step = 0; step <= 240; step++) {
    const at = Math.round((1 - step * 0.005) * 1000) / 1000
    if (!scored.some((s) => s.cos >= at)) continue
    if (measure(scored, at).precision < precision) break
    best = at
  }
  return best
}

const round = (x: number) => Math.round(x * 1000) / 1000

type LangPair = 'it-it' | 'it-en' | 'en-en'
interface LangPairLabelled { a: string, b: string[], label: Label | 'sibling', pair: LangPair, half: 'tune' | 'held-out' }

/**
 * Labelled pairs per language pair from the termbase (src/concepts/termbase/), split by concept:
 *   same      two labels of one concept (it-it, it-en, en-en);
 *   related   a concept and one it links as broader, narrower or related;
 *   sibling   two concepts under the same broader concept with no link between them (near-misses:
 *             "agricoltura di precisione" / "meccanica di precisione" kinds of pairs);
 *   unrelated a concept and the closest of five concepts drawn at random.
 * Pairs of identical words are left out (the judge states those without the model).
 */
function languagePairs (tb: Termbase): LangPairLabelled[] {
  const rng = new Rng(11)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)] as T
  const list = [...tb.concepts.values()].filter((c) => c.labels.it.length > 0 && c.labels.en.length > 0).sort((a, b) => (a.id < b.id ? -1 : 1))
  const byBroader = new Map<string, typeof list>()
  for (const c of list) for (const b of c.broader) byBroader.set(b, [...(byBroader.get(b) ?? []), c])
  const out: LangPairLabelled[] = []
  const langsOf = (pair: LangPair): ['it' | 'en', 'it' | 'en'] => pair === 'it-it' ? ['it', 'it'] : pair === 'en-en' ? ['en', 'en'] : ['it', 'en']
  const unseen = (a: string, b: string) => a.toLowerCase() !== b.toLowerCase()
  for (const c of list) {
    const h = half(c.id)
    for (const pair of ['it-it', 'it-en', 'en-en'] as const) {
      const [la, lb] = langsOf(pair)
      const a = pick(c.labels[la])
      const sameOptions = c.labels[lb].filter((l) => l !== a)
      if (sameOptions.length > 0) out.push({ a, b: [pick(sameOptions)], label: 'same', pair, half: h })
      const near = [...tb.neighboursOf(c.id)].map((id) => tb.get(id)).filter((o) => o && half(o.id) === h && o.labels[lb].length > 0)
      if (near.length > 0) {
        const b = pick(pick(near)!.labels[lb])
        if (unseen(a, b)) out.push({ a, b: [b], label: 'related', pair, half: h })
      }
      const siblings = c.broader.flatMap((b) => byBroader.get(b) ?? []).filter((o) => o.id !== c.id && half(o.id) === h && !tb.neighboursOf(c.id).has(o.id))
      if (siblings.length > 0) {
        const b = pick(pick(siblings).labels[lb])
        if (unseen(a, b)) out.push({ a, b: [b], label: 'sibling', pair, half: h })
      }
      const others = Array.from({ length: 5 }, () => pick(list)).filter((o) => o.id !== c.id && half(o.id) === h).map((o) => pick(o.labels[lb])).filter((b) => unseen(a, b))
      if (others.length > 0) out.push({ a, b: others, label: 'unrelated', pair, half: h })
    }
  }
  return out
}

/**
 * Negatives count this many times each in the language-pair precision: a reason is stated for the
 * best of a candidate's phrases, over dozens of candidates per request, so a pair that only looks
 * alike comes far more often than a right one (the bilingual check set: bench/bilingual.ts).
 */
const NEGATIVE_WEIGHT = 10

/** Precision with negatives weighted NEGATIVE_WEIGHT times their share, and recall, of "cosine ≥ at". */
function weighted (scored: ReadonlyArray<{ cos: number, positive: boolean }>, at: number) {
  const positives = scored.filter((s) => s.positive).length
  const negatives = scored.length - positives
  const tpr = positives ? scored.filter((s) => s.positive && s.cos >= at).length / positives : 0
  const fpr = negatives ? scored.filter((s) => !s.positive && s.cos >= at).length / negatives : 0
  return { precision: round(tpr + fpr > 0 ? tpr / (tpr + NEGATIVE_WEIGHT * fpr) : 0), recall: round(tpr) }
}

/** The lowest threshold keeping the weighted precision at or above `precision` (as `threshold`), or null when none keeps a tenth of the positives. */
function pairThreshold (scored: ReadonlyArray<{ cos: number, positive: boolean }>, precision: number): number | null {
  let best: number | null = null
  for (let step = 0; step <= 240; step++) {
    const at = Math.round((1 - step * 0.005) * 1000) / 1000
    if (!scored.some((s) => s.cos >= at)) continue
    if (weighted(scored, at).precision < precision) break
    best = at
  }
  return best !== null && weighted(scored, best).recall >= 0.1 ? best : null
}

async function main (): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'silent' })
  const asked = process.argv.slice(2)
  const specs = []
  for (const spec of asked.length > 0 ? asked.map((n) => modelSpec(n)) : MODEL_CATALOG) if (await isProvisioned(modelFolder(config.MODELS_DIR, spec))) specs.push(spec)
  const list = await skills()
  const all = pairs(list)
  const byLanguage = languagePairs(Termbase.load())
  const previous = JSON.parse(await readFile(OUT, 'utf8').catch(() => '{"models":{}}')) as { models: Record<string, unknown> }
  const models: Record<string, unknown> = { ...previous.models }
  for (const spec of specs) {
    const embedder = new TransformersEmbedder()
    embedder.use(await loadModel({ spec, modelsDir: config.MODELS_DIR, allowRemote: false, allowMaven: false, log: () => {} }))
    const texts = [...new Set([...all, ...byLanguage].flatMap((p) => [p.a, ...p.b]))]
    const vectors = new Map<string, Float32Array>()
    for (let i = 0; i < texts.length; i += 64) {
      const batch = texts.slice(i, i + 64)
      const out = await embedder.embed(batch, 'phrase')
      batch.forEach((t, j) => vectors.set(t, out[j] as Float32Array))
    }
    await embedder.close()
    const cos = (p: Pair) => Math.max(...p.b.map((b) => dot(vectors.get(p.a) as Float32Array, vectors.get(b) as Float32Array)))
    const on = (h: 'tune' | 'held-out', positive: (l: Label) => boolean) => all.filter((p) => p.half === h).map((p) => ({ cos: cos(p), positive: positive(p.label) }))
    const strong = threshold(on('tune', (l) => l === 'same'), PRECISION.strong)
    const partial = threshold(on('tune', (l) => l !== 'unrelated'), PRECISION.partial)
    const langCos = (p: LangPairLabelled) => Math.max(...p.b.map((b) => dot(vectors.get(p.a.toLowerCase() === p.a ? p.a : p.a) as Float32Array, vectors.get(b) as Float32Array)))
    const pairs: Record<string, unknown> = {}
    for (const lp of ['it-it', 'it-en', 'en-en'] as const) {
      const of = (h: 'tune' | 'held-out', positive: (l: LangPairLabelled['label']) => boolean) => byLanguage.filter((p) => p.pair === lp && p.half === h).map((p) => ({ cos: langCos(p), positive: positive(p.label) }))
      const st = pairThreshold(of('tune', (l) => l === 'same'), PRECISION.strong)
      const pa = pairThreshold(of('tune', (l) => l === 'same' || l === 'related'), PRECISION.partial)
      const reliable = st !== null
      const strongAt = st ?? 1
      const partialAt = Math.min(pa ?? strongAt, strongAt)
      pairs[lp] = {
        strong: strongAt,
        partial: partialAt,
        reliable,
        heldOut: { strong: weighted(of('held-out', (l) => l === 'same'), strongAt), partial: weighted(of('held-out', (l) => l === 'same' || l === 'related'), partialAt) },
        pairs: byLanguage.filter((p) => p.pair === lp).length
      }
      console.log(`  ${lp}: ${reliable ? `strong ≥ ${strongAt}, partial ≥ ${partialAt}` : 'not reliable (concept evidence only)'}; held-out ${JSON.stringify((pairs[lp] as { heldOut: unknown }).heldOut)}`)
    }
    const meanOf = (l: Label) => round(all.filter((p) => p.label === l).reduce((s, p) => s + cos(p), 0) / Math.max(1, all.filter((p) => p.label === l).length))
    models[spec.name] = {
      strong,
      partial: Math.min(partial, strong),
      heldOut: {
        strong: measure(on('held-out', (l) => l === 'same'), strong),
        partial: measure(on('held-out', (l) => l !== 'unrelated'), Math.min(partial, strong))
      },
      meanCosine: { same: meanOf('same'), related: meanOf('related'), unrelated: meanOf('unrelated') },
      pairs
    }
    console.log(`${spec.name}: strong ≥ ${strong}, partial ≥ ${Math.min(partial, strong)}; held-out ${JSON.stringify((models[spec.name] as { heldOut: unknown }).heldOut)}`)
  }
  const counts = { same: 0, related: 0, unrelated: 0 }
  for (const p of all) counts[p.label]++
  const file = {
    about: 'Phrase-similarity thresholds per embedding model, from ESCO 1.2.0 skill labels (dev/models/calibrate-phrases.ts): a pair at or above `strong` is stated as a strong match, at or above `partial` as a partial match, below it not at all.',
    source: 'ESCO 1.2.0 English, digital/green/research/transversal skill collections (https://esco.ec.europa.eu, ESCO licence, attribution)',
    precision: PRECISION,
    pairs: counts,
    models: Object.fromEntries(Object.entries(models).sort(([a], [b]) => (a < b ? -1 : 1)))
  }
  await writeFile(OUT, JSON.stringify(file, null, 2) + '\n')
  console.log(`wrote ${OUT}`)
}

await main()
