import { Type } from '@sinclair/typebox'

/**
 * What the service says beside results (the `notice` of match, candidate and search answers), one
 * stable code each, in Italian and English. A notice never carries internals (error messages, process
 * ids, hosts): it says what the caller gets and why, in words a portal can show as they are.
 */
export const NOTICES = {
  /** Meanings were not compared: no model loaded, or it did not answer in time (whatever the cause). */
  MODEL_UNAVAILABLE: {
    en: 'words only: the model is not available, so meanings were not compared',
    it: 'solo parole: il modello non è disponibile, quindi i significati non sono stati confrontati'
  },
  /** Search more-like-this on a record written a moment ago: its vector is not stored yet. */
  RECORD_NOT_EMBEDDED: {
    en: 'words only: the meaning of this record is not indexed yet; try again in a few seconds',
    it: 'solo parole: il significato di questo elemento non è ancora indicizzato; riprova tra qualche secondo'
  },
  /** A free text that shares no word and no concept with any record: no results, rather than neighbours. */
  NO_CLOSE_MATCH: {
    en: 'no close match: no record shares a word or a concept with the query',
    it: 'nessuna corrispondenza vicina: nessun elemento ha una parola o un concetto in comune con la richiesta'
  }
} as const

export type NoticeCode = keyof typeof NOTICES
export type NoticeLang = 'it' | 'en'

/** The reply fields of a notice, for the routes' response schemas. */
export const NoticeFields = {
  notice: Type.Optional(Type.String({ description: 'What the caller should know about these results, in the language of Accept-Language (Italian when it prefers `it`, else English); absent when there is nothing to say.' })),
  noticeCode: Type.Optional(Type.Union(Object.keys(NOTICES).map((code) => Type.Literal(code)), { description: 'The notice as a stable code (the text may change, the code does not).' }))
}

/**
 * The caller's language for notices, from Accept-Language: Italian when, of the languages the service
 * speaks (Italian, English), the header ranks Italian highest (by q, then by order); English
 * otherwise, and without the header. "it-IT,it;q=0.9,en;q=0.8" is Italian, "fr,en;q=0.9,it;q=0.8"
 * English; a range with q=0 is refused.
 */
export function noticeLanguage (acceptLanguage: string | string[] | undefined): NoticeLang {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage
  if (!header) return 'en'
  let best: { lang: NoticeLang, q: number } | null = null
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.trim().split(';')
    const primary = range.trim().toLowerCase().split('-')[0]
    if (primary !== 'it' && primary !== 'en') continue
    const qParam = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('q='))
    const q = qParam ? Number(qParam.slice(2)) : 1
    if (!Number.isFinite(q) || q <= 0) continue
    if (!best || q > best.q) best = { lang: primary, q }
  }
  return best?.lang ?? 'en'
}

/**
 * The notice fields for the codes that apply (the first is the main one, `noticeCode`; the texts of
 * all of them make `notice`), or none.
 */
export function noticeOf (codes: ReadonlyArray<NoticeCode | null | undefined | false>, lang: NoticeLang): { notice?: string, noticeCode?: NoticeCode } {
  const kept = [...new Set(codes.filter((c): c is NoticeCode => typeof c === 'string'))]
  if (kept.length === 0) return {}
  return { notice: kept.map((c) => NOTICES[c][lang]).join('; '), noticeCode: kept[0] as NoticeCode }
}
