import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import errorHandler from './plugins/error-handler.ts'
import bodyDecoding from './plugins/body-decoding.ts'
import parts, { type PartsPluginOptions } from './plugins/parts.ts'
import services from './plugins/services.ts'
import healthRoutes from './routes/health.ts'
import openapi from './plugins/openapi.ts'
import auth from './plugins/auth.ts'
import limits from './plugins/rate-limit.ts'
import recordRoutes from './routes/records.ts'
import pipeline from './plugins/pipeline.ts'
import bulkRoutes from './routes/bulk.ts'
import statusRoutes from './routes/status.ts'
import matchPartnerRoutes from './routes/match-partners.ts'
import matchConsortiumRoutes from './routes/match-consortium.ts'
import recommendationRoutes from './routes/recommendations.ts'
import feedbackRoutes from './routes/feedback.ts'
import proposalCandidateRoutes from './routes/proposal-candidates.ts'
import searchRoutes from './routes/search.ts'
import conceptRoutes from './routes/concepts.ts'
import rankerRoutes from './routes/ranker.ts'
import matchConsole from './plugins/console.ts'
import demoData from './plugins/demo-data.ts'
import vectorWarmup from './plugins/vector-warmup.ts'
import serverTiming from './plugins/server-timing.ts'
import securityHeaders from './plugins/security-headers.ts'
import requestLog from './plugins/request-log.ts'
import partWatch from './plugins/part-watch.ts'

export type AppOptions = PartsPluginOptions

/** The whole service as one plugin: the server and the tests register exactly this. */
async function app (fastify: FastifyInstance, options: AppOptions): Promise<void> {
  await fastify.register(serverTiming)
  await fastify.register(requestLog, { slowRequestMs: options.config.SLOW_REQUEST_MS })
  // First, so that every plugin's context inherits its hook (and the console and docs override it).
  await fastify.register(securityHeaders)
  await fastify.register(errorHandler)
  await fastify.register(bodyDecoding)
  await fastify.register(openapi)
  await fastify.register(parts, options)
  await fastify.register(partWatch)
  await fastify.register(services)
  await fastify.register(auth)
  await fastify.register(limits)
  await fastify.register(pipeline)
  await fastify.register(vectorWarmup)
  await fastify.register(healthRoutes)
  await fastify.register(recordRoutes)
  await fastify.register(bulkRoutes)
  await fastify.register(statusRoutes)
  await fastify.register(matchPartnerRoutes)
  await fastify.register(matchConsortiumRoutes)
  await fastify.register(recommendationRoutes)
  await fastify.register(feedbackRoutes)
  await fastify.register(proposalCandidateRoutes)
  await fastify.register(searchRoutes)
  await fastify.register(conceptRoutes)
  await fastify.register(rankerRoutes)
  await fastify.register(matchConsole)
  await fastify.register(demoData)
}

export default fp(app, { name: 'app', fastify: '5.x' })
