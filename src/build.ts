import Fastify, { type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import app, { type AppOptions } from './app.ts'
import { validatorCompiler } from './validation.ts'

/** Request limits and validation settings shared by the server and the tests. */
export function serverOptions (logger: FastifyServerOptions['logger']): FastifyServerOptions {
  return {
    logger,
    bodyLimit: 10 * 1024 * 1024,
    // Start-up runs migrations, refills the embedded index from the store and may load the demo set:
    // work that grows with the data (and with a busy machine), not a hang. Fastify's 10 s default
    // failed a start on a loaded host; a dependency that never answers still fails after 5 minutes.
    pluginTimeout: 300_000
  }
}

/** Builds a ready-to-listen Fastify instance around the app plugin. */
export async function buildServer (options: AppOptions, logger: FastifyServerOptions['logger'] = false) {
  const server = Fastify(serverOptions(logger)).withTypeProvider<TypeBoxTypeProvider>()
  server.setValidatorCompiler(validatorCompiler)
  await server.register(app, options)
  return server
}
