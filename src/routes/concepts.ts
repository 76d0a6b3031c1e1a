import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ConceptNotFoundError, withErrors } from '../errors.ts'
import { defaultConcepts, type ConceptSummary } from '../concepts/concepts.ts'
import { CENTRAL_COVERAGE } from '../concepts/concept-evidence.ts'

const Lang = Type.Union([Type.Literal('it'), Type.Literal('en')], { default: 'it', description: 'The language labels are shown in (the other one when a concept has none in it).' })

const Concept = Type.Object({
  id: Type.String({ description: 'The ESCO skill URI where ESCO has the concept, else a project id ("oi:..."), or "nace:<code>" for a sector.' }),
  label: Type.String(),
  type: Type.String({ description: 'competency, technology, application, sector or field' }),
  labels: Type.Object({ it: Type.Array(Type.String()), en: Type.Array(Type.String()) }),
  broader: Type.Array(Type.String()),
  related: Type.Array(Type.String())
})

/**
 * The termbase (src/concepts/): type-ahead over the labels of both languages, and one concept by id.
 * Request bodies accept a concept's label where they accept phrases (e.g. `competencies`): it links to
 * the concept in either language.
 */
const conceptRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/v1/concepts', {
    onRequest: app.requireScope('read'),
    schema: {
      tags: ['concepts'],
      summary: 'Concepts whose Italian or English label starts with what was typed (type-ahead)',
      querystring: Type.Object({
        q: Type.String({ minLength: 1, maxLength: 200 }),
        lang: Type.Optional(Lang),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 }))
      }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Object({ results: Type.Array(Concept) }) })
    }
  }, async (request) => {
    const { q, lang = 'it', limit = 10 } = request.query
    return { results: defaultConcepts().suggest(q, lang, limit) }
  })

  app.post('/v1/concepts/link', {
    onRequest: app.requireScope('read'),
    schema: {
      tags: ['concepts'],
      summary: 'The concepts each phrase names (a profile\'s competencies, needs, interests, a query), labels in one language',
      description: 'The linker the service uses wherever it compares phrases: the whole phrase as a label in either language, else the longest labels inside it. `central` says the concept takes at least half of the phrase\'s words: only such a concept is stated as a reason.',
      body: Type.Object({
        phrases: Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { minItems: 1, maxItems: 200 }),
        lang: Type.Optional(Lang)
      }, { additionalProperties: false }),
      response: withErrors({
        200: Type.Object({
          results: Type.Array(Type.Object({
            phrase: Type.String(),
            lang: Type.Union([Type.Literal('it'), Type.Literal('en'), Type.Null()], { description: 'The phrase\'s language as far as it can be told.' }),
            concepts: Type.Array(Type.Object({
              id: Type.String(),
              label: Type.String(),
              type: Type.String(),
              coverage: Type.Number({ description: 'The share of the phrase\'s content words the concept\'s label takes.' }),
              central: Type.Boolean()
            }))
          }))
        })
      })
    }
  }, async (request) => {
    const { phrases, lang = 'it' } = request.body
    const concepts = defaultConcepts()
    return {
      results: phrases.map((phrase) => {
        const linked = concepts.link(phrase)
        return {
          phrase,
          lang: linked.lang,
          concepts: linked.concepts.map((c) => {
            const s = concepts.summary(c.id, lang) as ConceptSummary
            return { id: c.id, label: s.label, type: s.type, coverage: Math.round(c.coverage * 1000) / 1000, central: c.coverage >= CENTRAL_COVERAGE }
          })
        }
      })
    }
  })

  app.get('/v1/concepts/:id', {
    onRequest: app.requireScope('read'),
    schema: {
      tags: ['concepts'],
      summary: 'One concept of the termbase, with its labels in both languages and its links',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
      querystring: Type.Object({ lang: Type.Optional(Lang) }, { additionalProperties: false }),
      response: withErrors({ 200: Concept })
    }
  }, async (request) => {
    const found = defaultConcepts().summary(request.params.id, request.query.lang ?? 'it')
    if (!found) throw new ConceptNotFoundError(request.params.id)
    return found
  })
}

export default fp(conceptRoutes, { name: 'concept-routes', dependencies: ['parts', 'auth'], fastify: '5.x' })
