import { EmbedderUnavailableError, type Embedder } from '../../ports/embedder.ts'
import { phraseHash } from '../../domain/facets.ts'
import type { VectorCache } from '../../records/vector-cache.ts'
import type { Concepts } from '../../concepts/concepts.ts'
import { textPhrases, type Phrase, type Seeker } from '../seeker.ts'

/**
 * The competencies a consortium must cover, as the seeker's sought phrases: those given, else the
 * seeker's own (an organisation's needs, a proposal's seeks; free text: the given ones and the
 * concepts its text names), else the spans of its needs text (a proposal: its seeks text, else its
 * title and body) that name a concept of the termbase (textPhrases, as free text). One per wording (case aside). Phrases without a stored vector are
 * embedded as the pipeline embeds phrases (lower-cased, role phrase); if the model does not answer,
 * they are judged on words and concepts only.
 */
export async function withSought (seeker: Seeker, given: readonly string[] | undefined, model: string | null, cache: VectorCache, embedder: Embedder, concepts: Concepts): Promise<Seeker> {
  let texts: string[]
  if (given && given.length > 0 && seeker.kind !== 'text') texts = given.map((g) => g.trim()).filter(Boolean).map((g) => concepts.has(g) ? concepts.termbase.label(g, 'it') : g)
  else if (seeker.seeks.length > 0) return { ...seeker, seeks: distinct(seeker.seeks) }
  // An organisation's profile says what it has, not what it needs: only its needs text is read. A
  // proposal without a seeks text is read whole (title and body: what the project is about).
  else texts = textPhrases((seeker.kind === 'organizations' ? seeker.texts.needs : seeker.texts.needs ?? seeker.texts.profile) ?? '', [], concepts)
  const phrases = distinct(texts.map((text) => ({ text })))
  if (!model || phrases.length === 0) return { ...seeker, seeks: phrases }
  const stored = await cache.getMany(model, phrases.map((p) => phraseHash(p.text)))
  const unseen = phrases.filter((p) => !stored.has(phraseHash(p.text)))
  let fresh: Float32Array[] = []
  try {
    if (unseen.length > 0) fresh = await embedder.embed(unseen.map((p) => p.text.toLowerCase()), 'phrase')
  } catch (err) {
    if (!(err instanceof EmbedderUnavailableError)) throw err
  }
  return {
    ...seeker,
    seeks: phrases.map((p) => {
      const v = stored.get(phraseHash(p.text)) ?? fresh[unseen.indexOf(p)]
      return v ? { text: p.text, vector: v } : p
    })
  }
}

function distinct (phrases: readonly Phrase[]): Phrase[] {
  const seen = new Set<string>()
  return phrases.filter((p) => {
    const k = p.text.trim().toLowerCase()
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}
