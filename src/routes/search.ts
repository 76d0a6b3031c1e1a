import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { FacetValues, SEARCH_LIST_PARAMS, SearchHit, SearchQuery } from '../search/search-schemas.ts'
import { withErrors } from '../errors.ts'
import { NextCursor, PageParams, pageOf } from './common/paging.ts'
import { commaLists } from './common/comma-lists.ts'
import { NoticeFields, noticeLanguage, noticeOf } from '../notices.ts'

const Query = Type.Composite([SearchQuery, Type.Object(PageParams)], { additionalProperties: false })

const Reply = Type.Object({
  results: Type.Array(SearchHit),
  facets: FacetValues,
  semanticMatching: Type.Boolean({ description: 'Whether the model compared meanings (false: words only).' }),
  ...NoticeFields,
  nextCursor: NextCursor
})

/** GET /v1/search: hybrid search (BM25 + kNN, fused) with filters, facets, highlights, more-like-this (search/hybrid-search.ts). */
const searchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { search } = app.services
  const { embedder } = app.parts

  app.get('/v1/search', {
    onRequest: app.requireScope('read'),
    // A query text runs the model: a bounded number per client at once.
    preHandler: async (request, reply) => { if (request.query.q) await app.freeTextSlot(request, reply) },
    preValidation: commaLists(...SEARCH_LIST_PARAMS),
    schema: { tags: ['search'], summary: 'Hybrid search with filters, facets, highlights and more-like-this', querystring: Query, response: withErrors({ 200: Reply }) }
  }, async (request) => {
    const page = pageOf(app.cursors, request.query)
    const { hits, total, noticeCode, ...rest } = await search.search(request.query, page)
    // Words only, for whatever reason, is always said: the model not available (not loaded, not
    // answering), or, with the model there, a more-like-this record whose vector is not stored yet.
    const wordsOnly = rest.semanticMatching ? null : embedder.available && request.query.moreLikeThis && noticeCode === undefined ? 'RECORD_NOT_EMBEDDED' : 'MODEL_UNAVAILABLE'
    return { results: hits, ...rest, ...noticeOf([noticeCode, wordsOnly], noticeLanguage(request.headers['accept-language'])), nextCursor: page.next(total) }
  })
}

export default fp(searchRoutes, { name: 'search-routes', dependencies: ['parts', 'services', 'auth'], fastify: '5.x' })
