import { Type, type TSchema } from '@sinclair/typebox'

/** The most characters a portal id has; also the router's longest path parameter (build.ts), so every valid id is reachable. */
export const ID_MAX_LENGTH = 128
/** Portal ids: stable, URL-safe, at most ID_MAX_LENGTH characters. */
export const ID_PATTERN = `^[A-Za-z0-9][A-Za-z0-9._:-]{0,${ID_MAX_LENGTH - 1}}$`
export const Id = Type.String({ pattern: ID_PATTERN, description: `Stable external id from the portal (letters, digits, . _ : -; 1-${ID_MAX_LENGTH} characters).` })

/**
 * The highest `version` a write may carry (2^52). A record's revision is greatest(revision + 1,
 * version): from a version at most 2^52 it stays a safe integer for 2^52 more changes, so every
 * reply states the revision the store holds (a revision past 2^53 was rounded, issue 32 case 10).
 */
export const MAX_VERSION = 2 ** 52
/** A record version, as a write or a delete carries it (docs/api.md, Versions). */
export const VersionNumber = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_VERSION, description })
/** The largest value of a Postgres `integer` (int4, `serial`) column: what an integer stored in one may reach. */
export const MAX_INT4 = 2_147_483_647

export const Visibility = Type.Union([Type.Literal('public'), Type.Literal('members'), Type.Literal('private')], {
  default: 'public',
  description: 'public: anyone; members: platform members; private: never recommended or searchable by others.'
})

export const Lang = Type.Union([Type.Literal('it'), Type.Literal('en')], { description: 'Language of the texts; detected when absent.' })

/** A short label: a competency, an interest, a tag. */
export const Phrase = Type.String({ minLength: 1, maxLength: 200 })
export const Phrases = Type.Array(Phrase, { maxItems: 100, default: [] })
export const Title = Type.String({ minLength: 1, maxLength: 500 })
export const LongText = Type.String({ maxLength: 20_000 })
/** ATECO / NACE codes such as "C.28.1" or "62.01". */
export const SectorCode = Type.String({ pattern: '^[A-Z]?(\\.?[0-9]{1,2}){0,4}$', minLength: 1, maxLength: 16 })
export const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code, upper case.' })
export const S3Area = Type.String({ minLength: 1, maxLength: 100, description: 'Smart-specialisation (S3) area or ecosystem.' })

/** Fields every record carries, whatever its kind. */
export const RecordMeta = {
  id: Type.Optional(Type.String({ pattern: ID_PATTERN, description: 'When present, must equal the id in the path.' })),
  version: Type.Optional(VersionNumber('Monotonic version from the portal (0 to 2^52); a write older than the stored one is ignored.')),
  updatedAt: Type.Optional(Type.String({ format: 'date-time', description: 'Used as the version when `version` is absent.' })),
  visibility: Type.Optional(Visibility),
  lang: Type.Optional(Lang)
}

export function record<T extends Record<string, TSchema>> (title: string, properties: T) {
  return Type.Object({ ...RecordMeta, ...properties }, { title, additionalProperties: false })
}
