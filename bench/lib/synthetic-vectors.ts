import { Rng, hash32 } from '../../fixtures/lib/prng.ts'
import { contentHash, facetTexts, phraseHash, phrasesOf, type Facet } from '../../src/domain/facets.ts'
import type { Kind } from '../../src/domain/kinds.ts'

/**
 * Synthesised vectors for benchmarks that need hundreds of thousands of records searchable without
 * embedding them (which would take hours here). They are clustered and normalised like real
 * sentence vectors: each phrase sits near one of CLUSTERS centres, and each facet of a record is the
 * normalised mean of its phrases plus noise, so records sharing phrases are neighbours. Deterministic.
 */
export class SyntheticVectors {
  private readonly centres: Float32Array[]
  private readonly phrases = new Map<string, Float32Array>()

  constructor (readonly dims = 384, clusters = 256, seed = 'synthetic-vectors') {
    this.centres = Array.from({ length: clusters }, (_, i) => gaussian(Rng.of(seed, 'centre', i), dims, 1))
  }

  /** A phrase's vector: near the centre its text hashes to. */
  phrase (text: string): Float32Array {
    const key = text.trim().toLowerCase()
    let v = this.phrases.get(key)
    if (!v) {
      const centre = this.centres[hash32(key) % this.centres.length] as Float32Array
      v = normalise(add(centre, gaussian(Rng.of('phrase', key), this.dims, 0.7)))
      this.phrases.set(key, v)
    }
    return v
  }

  /**
   * Every vector the pipeline would store for a record, by the key it stores it under: one per facet
   * text (content hash) and one per phrase (phrase hash).
   */
  record (kind: Kind, id: string, body: Record<string, unknown>): { facets: Partial<Record<Facet, { hash: string, vector: Float32Array }>>, phrases: Map<string, Float32Array> } {
    const texts = facetTexts(kind, body)
    const p = phrasesOf(kind, body)
    const phrases = new Map<string, Float32Array>()
    for (const phrase of [...p.competencies, ...p.needs]) phrases.set(phraseHash(phrase), this.phrase(phrase))
    const sources: Record<Facet, string[]> = {
      profile: [...p.competencies, ...p.needs],
      competencies: p.competencies.length > 0 ? p.competencies : p.needs,
      needs: p.needs.length > 0 ? p.needs : p.competencies
    }
    const facets: Partial<Record<Facet, { hash: string, vector: Float32Array }>> = {}
    for (const [facet, text] of Object.entries(texts) as Array<[Facet, string]>) {
      const parts = sources[facet].map((s) => this.phrase(s))
      const base = parts.length > 0 ? mean(parts, this.dims) : this.phrase(text.slice(0, 80))
      facets[facet] = { hash: contentHash(text), vector: normalise(add(base, gaussian(Rng.of('facet', kind, id, facet), this.dims, 0.25))) }
    }
    return { facets, phrases }
  }
}

function gaussian (rng: Rng, dims: number, scale: number): Float32Array {
  const out = new Float32Array(dims)
  for (let i = 0; i < dims; i += 2) {
    // Box-Muller: two normal numbers from two uniform ones; scaled so the whole vector has norm ~scale.
    const u = Math.max(rng.next(), 1e-12)
    const v = rng.next()
    const r = Math.sqrt(-2 * Math.log(u)) * scale / Math.sqrt(dims)
    out[i] = r * Math.cos(2 * Math.PI * v)
    if (i + 1 < dims) out[i + 1] = r * Math.sin(2 * Math.PI * v)
  }
  return out
}

function add (a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) + (b[i] as number)
  return out
}

function mean (vs: Float32Array[], dims: number): Float32Array {
  const out = new Float32Array(dims)
  for (const v of vs) for (let i = 0; i < dims; i++) out[i] = (out[i] as number) + (v[i] as number) / vs.length
  return out
}

function normalise (v: Float32Array): Float32Array {
  let n = 0
  for (let i = 0; i < v.length; i++) n += (v[i] as number) ** 2
  n = Math.sqrt(n) || 1
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n
  return v
}
