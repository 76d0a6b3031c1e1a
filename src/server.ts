import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import { buildServer } from './build.ts'

// Thin entry: validate the environment, build the app, listen, and shut down gracefully.
let config: Config
try {
  config = loadConfig()
} catch (err) {
  // A bad environment is one line on stderr, not a stack trace.
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}
// Logs a person can read at a terminal (pino-pretty), JSON lines otherwise (for a log collector).
const pretty = process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname,reqId' } } } : {}
const server = await buildServer({ config }, { level: config.LOG_LEVEL, ...pretty })

closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
  if (err) server.log.error({ err }, 'shutting down after an error')
  else server.log.info(`${signal} received, shutting down`)
  await server.close()
})

await server.listen({ host: config.HOST, port: config.PORT })
