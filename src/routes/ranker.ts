import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { FEATURES } from '../match/features.ts'
import { RankerModels, type RankerModel } from '../match/ranker/ranker-models.ts'
import { trainAndStore } from '../match/ranker/train-and-store.ts'
import { TrainingInProgressError, withErrors } from '../errors.ts'
import { MAX_INT4 } from '../domain/common.ts'

const Weights = Type.Record(Type.String(), Type.Number(), { description: `Feature → weight (${Object.keys(FEATURES).join(', ')}).` })

const Version = Type.Object({
  version: Type.Integer(),
  trainedAt: Type.String({ format: 'date-time' }),
  active: Type.Boolean(),
  weights: Weights,
  report: Type.Record(Type.String(), Type.Unknown(), { description: 'Data sizes, time split and offline metrics written by the trainer.' })
})

const RankerState = Type.Object({
  source: Type.Union([Type.Literal('model'), Type.Literal('hand-set')], { description: 'Where the weights in force come from: the active trained model, or RANKING_WEIGHTS over the defaults.' }),
  active: Type.Union([Version, Type.Null()]),
  weights: Weights,
  handSet: Weights,
  versions: Type.Array(Version, { description: 'Every stored version, newest first.' })
})

const TrainBody = Type.Object({
  windowMonths: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, default: 12, description: 'Projects that started in the last this many months are the outcomes; the history before them is what the matcher sees.' })),
  activate: Type.Optional(Type.Boolean({ default: true, description: 'Make the new version the active one.' }))
}, { additionalProperties: false })

// Versions are a Postgres serial (integer): a larger number names no version and is refused as such.
const ActivateBody = Type.Object({ version: Type.Integer({ minimum: 1, maximum: MAX_INT4 }) }, { additionalProperties: false })

const view = (m: RankerModel) => ({ version: m.version, trainedAt: m.trainedAt, active: m.active, weights: m.weights, report: m.report })

/** The trained partner ranker: its versions, training, activation and rollback (admin). */
const rankerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const models = new RankerModels(app.parts.store.db)
  let training = false

  const state = async () => {
    await app.parts.ranker.reload()
    const active = app.parts.ranker.active
    return {
      source: active ? 'model' as const : 'hand-set' as const,
      active: active ? view(active) : null,
      weights: app.parts.ranker.weights(),
      handSet: app.parts.ranker.handSet,
      versions: (await models.list('partners')).map(view)
    }
  }

  app.get('/v1/admin/ranker', {
    onRequest: app.requireScope('admin'),
    schema: { tags: ['operations'], summary: 'The partner ranker in force: active version, its training report and offline metrics, every stored version', response: withErrors({ 200: RankerState }) }
  }, state)

  app.post('/v1/admin/ranker/train', {
    onRequest: app.requireScope('admin'),
    schema: {
      tags: ['operations'],
      summary: 'Train a new partner-ranker version from the collaboration history and feedback (as npm run ranker:train); one at a time',
      body: TrainBody,
      response: withErrors({ 201: Version })
    }
  }, async (request, reply) => {
    if (training) throw new TrainingInProgressError()
    training = true
    try {
      const { model } = await trainAndStore(app.parts, {
        ...(request.body.windowMonths !== undefined ? { windowMonths: request.body.windowMonths } : {}),
        activate: request.body.activate ?? true,
        log: (m) => request.log.info(m)
      })
      reply.code(201)
      return view(model)
    } finally {
      training = false
    }
  })

  app.put('/v1/admin/ranker/active', {
    onRequest: app.requireScope('admin'),
    schema: { tags: ['operations'], summary: 'Make a stored version the active one (a rollback is activating an earlier version)', body: ActivateBody, response: withErrors({ 200: RankerState }) }
  }, async (request) => {
    await models.activate('partners', request.body.version)
    return await state()
  })

  app.delete('/v1/admin/ranker/active', {
    onRequest: app.requireScope('admin'),
    schema: { tags: ['operations'], summary: 'No active version: the hand-set weights apply again', response: withErrors({ 200: RankerState }) }
  }, async () => {
    await models.deactivate('partners')
    return await state()
  })
}

export default fp(rankerRoutes, { name: 'ranker-routes', dependencies: ['parts', 'auth'], fastify: '5.x' })
