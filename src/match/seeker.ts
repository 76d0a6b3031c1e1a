import { EmbedderUnavailableError, type Embedder } from '../ports/embedder.ts'
import type { Kind } from '../domain/kinds.ts'
import { contentHash, facetTexts, phraseHash, phrasesOf, type Facet } from '../domain/facets.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import { defaultConcepts } from '../concepts/concepts.ts'

export interface Phrase { text: string, vector?: Float32Array }

/** Whoever a match is for: a stored organisation or proposal, or free text with wanted competencies. */
export interface Seeker {
  kind: Kind | 'text'
  id: string | null
  /** The organisation behind the seeker (itself, or a proposal's author), for exclusions and history. */
  organizationId: string | null
  vectors: Partial<Record<Facet, Float32Array>>
  texts: Partial<Record<Facet, string>>
  /** What the seeker has, and what it seeks, as phrases. */
  offers: Phrase[]
  seeks: Phrase[]
  s3Areas: string[]
  sectors: string[]
  region?: string
  countriesSought: string[]
  /** Why a free-text seeker has no vectors although a model is loaded (it did not answer in time): matching is lexical. */
  semanticFallback?: string
}

/**
 * A stored record as a seeker. Its vectors and phrase vectors come from the store (keyed by content
 * hash): matching a stored profile needs no model call.
 */
export async function seekerFromRecord (kind: Kind, id: string, body: Record<string, any>, model: string | null, cache: VectorCache): Promise<Seeker> {
  const texts = facetTexts(kind, body)
  const phrases = phrasesOf(kind, body)
  const hashes = [
    ...Object.values(texts).map((t) => contentHash(t)),
    ...[...phrases.competencies, ...phrases.needs].map(phraseHash)
  ]
  const stored = model ? await cache.getMany(model, hashes) : new Map<string, Float32Array>()
  const vectors: Partial<Record<Facet, Float32Array>> = {}
  for (const [facet, t] of Object.entries(texts)) {
    const v = stored.get(contentHash(t))
    if (v) vectors[facet as Facet] = v
  }
  const phrase = (text: string): Phrase => {
    const v = stored.get(phraseHash(text))
    return v ? { text, vector: v } : { text }
  }
  return {
    kind,
    id,
    organizationId: kind === 'organizations' ? id : (body.authorOrganizationId ?? body.organizationId ?? null),
    vectors,
    texts,
    offers: phrases.competencies.map(phrase),
    seeks: phrases.needs.map(phrase),
    s3Areas: body.s3Areas ?? [],
    sectors: body.sectors ?? [],
    ...(body.region ? { region: body.region } : {}),
    countriesSought: body.countriesSought ?? []
  }
}

/**
 * Free text (what is sought) and optional wanted competencies: the only case that calls the model.
 * A wanted competency already stored as a phrase (the same label on some profile, keyed by model and
 * phrase hash) is read, not embedded: the stored vector is what the model would return for it.
 */
export async function seekerFromText (text: string, wanted: readonly string[], embedder: Embedder, cache?: VectorCache): Promise<Seeker> {
  // A wanted competency may be a concept id of the termbase (GET /v1/concepts): it stands for its preferred label.
  const concepts = defaultConcepts()
  const seeks = wanted.map((w) => w.trim()).filter(Boolean).map((w) => concepts.has(w) ? concepts.termbase.label(w, 'it') : w)
  const all = [text, ...seeks].join('. ')
  const vectors: Partial<Record<Facet, Float32Array>> = {}
  let seekPhrases: Phrase[] = seeks.map((s) => ({ text: s }))
  const model = embedder.available ? embedder.model : null
  let semanticFallback: string | undefined
  if (model) {
    try {
      const [[query], stored] = await Promise.all([
        // An Italian query carries the English labels of its concepts, as stored Italian texts do.
        embedder.embed([defaultConcepts().bridgeText(all)], 'query'),
        cache && seeks.length > 0 ? cache.getMany(model, seeks.map(phraseHash)) : new Map<string, Float32Array>()
      ])
      const unseen = seeks.filter((s) => !stored.has(phraseHash(s)))
      const fresh = unseen.length > 0 ? await embedder.embed(unseen.map((s) => s.toLowerCase()), 'phrase') : []
      vectors.needs = query
      vectors.profile = query
      seekPhrases = seeks.map((s) => ({ text: s, vector: stored.get(phraseHash(s)) ?? fresh[unseen.indexOf(s)] as Float32Array }))
    } catch (err) {
      // The model is loaded but did not answer (past its deadline, or its process is restarting):
      // match on the words, and say so.
      if (!(err instanceof EmbedderUnavailableError)) throw err
      semanticFallback = err.message
    }
  }
  return { kind: 'text', id: null, organizationId: null, vectors, texts: { needs: all, profile: all }, offers: [], seeks: seekPhrases, s3Areas: [], sectors: [], countriesSought: [], ...(semanticFallback ? { semanticFallback } : {}) }
}
