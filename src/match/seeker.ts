import { EmbedderUnavailableError, type Embedder } from '../ports/embedder.ts'
import type { Kind } from '../domain/kinds.ts'
import { contentHash, facetTexts, phraseHash, phrasesOf, type Facet } from '../domain/facets.ts'
import type { VectorCache } from '../records/vector-cache.ts'
import { defaultConcepts, type Concepts } from '../concepts/concepts.ts'
import type { Mention } from '../concepts/linker.ts'
import { CENTRAL_COVERAGE } from '../concepts/concept-evidence.ts'

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
  /** Why the seeker has no vectors although a model is loaded (it did not answer in time): matching is lexical. For logs only: never shown to a caller. */
  semanticFallback?: string
}

/**
 * A stored record as a seeker. Its vectors and phrase vectors come from the store (keyed by content
 * hash): matching a stored profile needs no model call. A record written a moment ago may not have
 * them yet (the background worker embeds it): given an `embedder` (the query path), the missing ones
 * are embedded now, in the forms the pipeline embeds them (document-builder.ts: facet texts as
 * passages with their concepts' English labels, phrases lower-cased as phrases), so that the match
 * scores as it will once the worker has stored them. If the model does not answer, the seeker says
 * so (`semanticFallback`) and carries no vectors: the match runs on words.
 */
export async function seekerFromRecord (kind: Kind, id: string, body: Record<string, any>, model: string | null, cache: VectorCache, embedder?: Embedder): Promise<Seeker> {
  const texts = facetTexts(kind, body)
  const phrases = phrasesOf(kind, body)
  const hashes = [
    ...Object.values(texts).map((t) => contentHash(t)),
    ...[...phrases.competencies, ...phrases.needs].map(phraseHash)
  ]
  const stored = model ? await cache.getMany(model, hashes) : new Map<string, Float32Array>()
  let semanticFallback: string | undefined
  if (model && embedder && stored.size < new Set(hashes).size) {
    try {
      for (const [hash, v] of await embedPending(texts, [...phrases.competencies, ...phrases.needs], stored, embedder)) stored.set(hash, v)
    } catch (err) {
      if (!(err instanceof EmbedderUnavailableError)) throw err
      semanticFallback = err.message
      stored.clear()
    }
  }
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
    countriesSought: body.countriesSought ?? [],
    ...(semanticFallback ? { semanticFallback } : {})
  }
}

/**
 * The vectors of a record's facet texts and phrases that are not in `stored`, embedded through the
 * query path exactly as the pipeline will embed them (document-builder.ts), by content hash.
 */
async function embedPending (texts: Partial<Record<Facet, string>>, phrases: readonly string[], stored: ReadonlyMap<string, Float32Array>, embedder: Embedder): Promise<Map<string, Float32Array>> {
  const passages = new Map<string, string>()
  for (const t of Object.values(texts)) {
    const hash = contentHash(t)
    if (!stored.has(hash)) passages.set(hash, defaultConcepts().bridgeText(t))
  }
  const labels = new Map<string, string>()
  for (const p of phrases) {
    const hash = phraseHash(p)
    if (!stored.has(hash)) labels.set(hash, p.trim().toLowerCase())
  }
  const out = new Map<string, Float32Array>()
  // Two calls at once (as the pipeline's two roles): the model runs them back to back.
  await Promise.all(([['passage', passages], ['phrase', labels]] as const).map(async ([role, wanted]) => {
    if (wanted.size === 0) return
    const vectors = await embedder.embed([...wanted.values()], role)
    ;[...wanted.keys()].forEach((hash, i) => out.set(hash, vectors[i] as Float32Array))
  }))
  return out
}

/**
 * Free text (what is sought) and optional wanted competencies: the only case that calls the model.
 * Besides the wanted competencies, the text's own phrases are sought: the spans of it that name a
 * concept of the termbase, as written (textPhrases), so that a partner's reasons can name what in
 * the text it meets. A sought phrase already stored as a phrase (the same label on some profile,
 * keyed by model and phrase hash) is read, not embedded: the stored vector is what the model would
 * return for it.
 */
export async function seekerFromText (text: string, wanted: readonly string[], embedder: Embedder, cache?: VectorCache): Promise<Seeker> {
  // A wanted competency may be a concept id of the termbase (GET /v1/concepts): it stands for its preferred label.
  const concepts = defaultConcepts()
  const given = wanted.map((w) => w.trim()).filter(Boolean).map((w) => concepts.has(w) ? concepts.termbase.label(w, 'it') : w)
  const seeks = [...given, ...textPhrases(text, given, concepts)]
  const all = [text, ...given].join('. ')
  const vectors: Partial<Record<Facet, Float32Array>> = {}
  let seekPhrases: Phrase[] = seeks.map((s) => ({ text: s }))
  const model = embedder.available ? embedder.model : null
  let semanticFallback: string | undefined
  if (model) {
    try {
      const [[query], stored] = await Promise.all([
        // An Italian query carries the English labels of its concepts, as stored Italian texts do.
        embedder.embed([concepts.bridgeText(all)], 'query'),
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

/** A free text's phrases, at most: a long text is matched on the first ones, in text order. */
export const MAX_TEXT_PHRASES = 10

/**
 * The phrases a free-text need is matched and explained by: the spans of the text that name a
 * concept of the termbase, as written ("monitoraggio delle condizioni"), in text order. Left out:
 * a span whose concepts a wanted competency already names at its heart, or an earlier span named
 * (the same need said twice), and a single word that is no reason on its own (isGeneric). The
 * rules were chosen on hand-written needs and read on others (docs/ranking.md, "Reasons for free text").
 */
export function textPhrases (text: string, given: readonly string[], concepts: Concepts = defaultConcepts()): string[] {
  const named = new Set<string>()
  const written = new Set(given.map((g) => g.trim().toLowerCase()))
  for (const g of given) for (const c of concepts.link(g).concepts) if (c.coverage >= CENTRAL_COVERAGE) named.add(c.id)
  const out: string[] = []
  for (const m of concepts.mentions(text)) {
    if (out.length >= MAX_TEXT_PHRASES) break
    const key = m.text.toLowerCase()
    if (written.has(key) || m.concepts.every((id) => named.has(id))) continue
    if (isGeneric(m, concepts)) continue
    out.push(m.text)
    written.add(key)
    for (const id of m.concepts) named.add(id)
  }
  return out
}

/**
 * A span of one word that is no reason on its own: a word that only stems like a label of its
 * concepts, a product name written in lower case ("access" is not Microsoft Access, "less" not the
 * LESS language), or a word that says who is writing or who is wanted (GENERIC_WORDS).
 */
function isGeneric (span: Mention, concepts: Concepts): boolean {
  if (GENERIC_WORDS.has(span.text.toLowerCase())) return true
  if ((span.text.match(/[\p{L}\p{N}]+/gu) ?? []).length !== 1) return false
  return !span.concepts.some((id) => {
    const label = concepts.linker.wordLabel(span.text, id)
    // A label written with a capital (a product or proper name) is a mention only written so.
    return label !== null && (!/^\p{Lu}/u.test(label) || /^\p{Lu}/u.test(span.text))
  })
}

/**
 * Words that are labels of the termbase but, alone in a need, say who is writing or what kind of
 * partner is wanted ("a startup looking for...", "a university partner"), not what is sought.
 */
const GENERIC_WORDS = new Set(['startup', 'startups', 'start-up', 'start-ups', 'università', 'university', 'universities'])
