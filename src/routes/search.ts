import fp from 'fastify-plugin'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { Country, S3Area } from '../domain/common.ts'
import { isKind, type Kind } from '../domain/kinds.ts'
import { contentHash, facetTexts } from '../domain/facets.ts'
import { RecordRepository } from '../records/record-repository.ts'
import { weightedScoreFusion } from '../search/fusion.ts'
import { highlight } from '../search/highlight.ts'
import { phraseHitsFirst, quotedPhrases } from '../search/exact-phrase.ts'
import { EmbedderUnavailableError } from '../ports/embedder.ts'
import type { DocFields, FacetCounts, Filter, KeywordField, RetrievalQuery } from '../search/retrieval.ts'
import { decodeCursor, encodeCursor, fingerprint } from '../match/cursor.ts'

const SEARCHABLE = ['organizations', 'people', 'proposals', 'projects', 'communities', 'content'] as const
const FACETS: readonly KeywordField[] = ['country', 'region', 's3_areas', 'sectors', 'org_kind', 'size', 'type', 'status', 'programme', 'tags']

const Query = Type.Object({
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Words to search, Italian or English.' })),
  kinds: Type.Optional(Type.Array(Type.Union(SEARCHABLE.map((k) => Type.Literal(k))), { maxItems: 6, description: 'Comma-separated; default organizations,proposals.' })),
  country: Type.Optional(Type.Array(Country, { maxItems: 60 })),
  region: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
  s3Area: Type.Optional(Type.Array(S3Area, { maxItems: 20 })),
  orgKind: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 6 })),
  type: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10, description: 'Proposal or content type.' })),
  status: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 3, description: 'Proposal status; default open (closed and draft proposals are hidden unless asked for).' })),
  includeExpired: Type.Optional(Type.Boolean({ default: false, description: 'Also proposals whose deadline has passed (hidden by default).' })),
  facets: Type.Optional(Type.Array(Type.Union(FACETS.map((f) => Type.Literal(f))), { maxItems: 10, description: 'Fields to count values of.' })),
  moreLikeThis: Type.Optional(Type.String({ pattern: '^(organizations|people|proposals|projects|communities|content):[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$', description: 'kind:id of a stored record: find records like it.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 }))
}, { additionalProperties: false })

type Query = Static<typeof Query>
const LIST_PARAMS = ['kinds', 'country', 'region', 's3Area', 'orgKind', 'type', 'status', 'facets'] as const

/** The document fields a quoted phrase is looked for in. */
const PHRASE_FIELDS = ['title', 'text', 'competencies_text', 'needs_text'] as const
const textOf = (v: unknown): string => typeof v === 'string' ? v : Array.isArray(v) ? v.map(String).join(' \n ') : ''

/** GET /v1/search: hybrid search (BM25 + kNN, fused by reciprocal rank) with filters, facets, highlights, more-like-this. */
async function searchRoutes (app: FastifyInstance): Promise<void> {
  const repo = new RecordRepository(app.parts.store.db)
  const cache = app.parts.vectors

  app.get<{ Querystring: Query }>('/v1/search', {
    onRequest: app.requireScope('read'),
    // A query text runs the model: a bounded number per client at once.
    preHandler: async (request, reply) => { if (request.query.q) await app.freeTextSlot(request, reply) },
    preValidation: async (request) => {
      const q = request.query as Record<string, unknown>
      for (const p of LIST_PARAMS) if (typeof q[p] === 'string') q[p] = (q[p] as string).split(',').filter(Boolean)
    },
    schema: { tags: ['search'], summary: 'Hybrid search with filters, facets, highlights and more-like-this', querystring: Query }
  }, async (request) => {
    const query = request.query
    if (!query.q && !query.moreLikeThis) throw Object.assign(new Error('querystring needs q or moreLikeThis'), { statusCode: 400 })
    const { cursor, limit, ...rest } = query
    const print = fingerprint(rest)
    const offset = decodeCursor(cursor, print)
    const size = limit ?? 10
    const kinds = (query.kinds ?? ['organizations', 'proposals']) as Kind[]
    const model = app.parts.embedder.available ? app.parts.embedder.model : null

    let text = query.q
    let vector: Float32Array | undefined
    let notice: string | undefined
    const exclude: Array<[Kind, string]> = []
    if (query.moreLikeThis) {
      const at = query.moreLikeThis.indexOf(':')
      const kind = query.moreLikeThis.slice(0, at)
      const id = query.moreLikeThis.slice(at + 1)
      if (!isKind(kind)) throw Object.assign(new Error('querystring.moreLikeThis has an unknown kind'), { statusCode: 400 })
      const record = await repo.get(kind, id)
      if (!record) throw Object.assign(new Error(`querystring.moreLikeThis: ${kind}/${id} does not exist`), { statusCode: 404 })
      const profile = facetTexts(kind, record.body).profile
      // A stored record's vector is already in the store: no model call.
      if (profile && model) vector = (await cache.getMany(model, [contentHash(profile)])).get(contentHash(profile))
      text = [query.q, profile].filter(Boolean).join('. ')
      exclude.push([kind, id])
    } else if (text && app.parts.embedder.available) {
      try {
        ;[vector] = await app.parts.embedder.embed([text], 'query')
      } catch (err) {
        // Loaded but not answering (past its deadline): search on the words, and say so.
        if (!(err instanceof EmbedderUnavailableError)) throw err
        notice = `lexical search only: ${err.message}`
      }
    }

    const perKind = await Promise.all(kinds.map(async (kind) => {
      // Proposals a user can still answer, unless the request asks for the others.
      const status = query.status ?? (kind === 'proposals' ? ['open'] : [])
      const filter: Filter = {
        anyOf: { country: query.country ?? [], region: query.region ?? [], s3_areas: query.s3Area ?? [], org_kind: query.orgKind ?? [], type: query.type ?? [], status },
        noneOf: { visibility: ['private'], id: exclude.filter(([k]) => k === kind).map(([, id]) => id) },
        ...(kind === 'people' ? { flags: { opt_out: false } } : {}),
        ...(kind === 'proposals' && !query.includeExpired ? { dates: { deadline: { gte: new Date().toISOString().slice(0, 10), orMissing: true } } } : {})
      }
      // Every text of a record as one field in its own language, the query in both (indexers/document.ts).
      const lexical = text ? { text, fields: { search_en: 1, search_it: 1 } } : undefined
      const depth = Math.min(100, offset + size + 20)
      const retrieval: RetrievalQuery = { kind, filter, ...(lexical ? { lexical } : {}), semantic: vector ? [{ facet: 'profile', vector }] : [], size: depth, withTexts: true }
      const [found, facets] = await Promise.all([
        app.parts.searchIndex.retrieve(retrieval),
        query.facets && query.facets.length > 0
          ? app.parts.searchIndex.facets({ kind, filter, ...(query.q ? { lexical: { text: query.q, fields: lexical?.fields ?? {} } } : {}), fields: query.facets, size: 20 })
          : Promise.resolve({} as FacetCounts)
      ])
      // Weighted z-score fusion, BM25 0.45 : kNN 0.55: the best held-out setting on SciFact
      // (bench/results/scifact-eval.json: 0.752 nDCG@10 with bge-small, against 0.743 for RRF k=60).
      const named = [['bm25', found.lists.bm25], ['knn', found.lists['knn:profile']]] as const
      const present = named.filter(([, l]) => l !== undefined) as Array<[string, NonNullable<typeof found.lists.bm25>]>
      const lists = present.map(([, l]) => l)
      // A BM25 list shorter than the depth asked for is complete: its rare-term hits stand out.
      const depths = present.map(([name]) => name === 'bm25' ? depth : undefined)
      const fused = weightedScoreFusion(lists, { weights: lists.length === 2 ? [0.45, 0.55] : [1], normalisation: 'z-score', depths })
      return { kind, fused, docs: found.docs, facets }
    }))

    const fusedOrder = perKind.flatMap((k) => k.fused.map((f) => ({ kind: k.kind, id: f.id, score: f.score, doc: k.docs.get(f.id) as DocFields })))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    // Quoted phrases: the records holding them verbatim come first (search/exact-phrase.ts).
    const merged = phraseHitsFirst(fusedOrder, query.q ? quotedPhrases(query.q) : [], (r) => PHRASE_FIELDS.map((f) => textOf(r.doc[f])).join(' \n '))
    const facets: Record<string, Array<{ value: string, count: number }>> = {}
    for (const field of query.facets ?? []) {
      const sum = new Map<string, number>()
      for (const k of perKind) for (const b of k.facets[field] ?? []) sum.set(b.value, (sum.get(b.value) ?? 0) + b.count)
      facets[field] = [...sum].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([value, count]) => ({ value, count }))
    }
    return {
      results: merged.slice(offset, offset + size).map((r) => ({
        kind: r.kind,
        id: r.id,
        // The fused z-score through a logistic: within (0, 1), 0.5 = as good as the average candidate of its lists.
        score: Math.round(100_000 / (1 + Math.exp(-r.score))) / 100_000,
        title: String(r.doc.title ?? r.id),
        highlights: query.q ? Object.fromEntries(['title', 'text', 'competencies_text'].map((f) => [f, typeof r.doc[f] === 'string' ? highlight(r.doc[f] as string, query.q as string) : null]).filter(([, h]) => h)) : {},
        fields: Object.fromEntries(Object.entries(r.doc).filter(([k]) => k !== 'facet_hashes'))
      })),
      facets,
      semanticMatching: vector !== undefined,
      ...(notice ? { notice } : {}),
      nextCursor: offset + size < merged.length ? encodeCursor(offset + size, print) : null
    }
  })
}

export default fp(searchRoutes, { name: 'search-routes', dependencies: ['parts', 'auth'], fastify: '5.x' })
