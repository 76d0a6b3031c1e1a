import closeWithGrace from 'close-with-grace'
import { loadConfig } from '../config/load.ts'
import { buildServer } from './build.ts'

// Thin entry: validate the environment, build the app, listen, and shut down gracefully.
const config = loadConfig()
const server = await buildServer({ config }, { level: config.LOG_LEVEL })

closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
  if (err) server.log.error({ err }, 'shutting down after an error')
  else server.log.info(`${signal} received, shutting down`)
  await server.close()
})

await server.listen({ host: config.HOST, port: config.PORT })
