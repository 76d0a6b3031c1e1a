// `npm run worker`: a process that runs only the outbox relay and the embed-and-index worker, for
// scaling out beside API processes started with RUN_WORKERS=false. Several may run at once.
import closeWithGrace from 'close-with-grace'
import pino from 'pino'
import { loadConfig } from '../config/load.ts'
import { closeParts, openParts } from '../src/parts.ts'
import { startPipeline } from '../src/pipeline/pipeline.ts'
import { createServices } from '../src/services.ts'

const config = loadConfig()
// Readable at a terminal (pino-pretty), JSON lines otherwise.
const log = pino({ level: config.LOG_LEVEL, name: 'worker', ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {}) })
const parts = await openParts(config, { info: (m) => log.info(m), warn: (m) => log.warn(m) })
const pipeline = await startPipeline(parts, {
  leaseMs: config.OUTBOX_LEASE_MS,
  batchSize: config.OUTBOX_BATCH_SIZE,
  alerts: { minScore: config.ALERT_MIN_SCORE, webhookUrl: config.ALERT_WEBHOOK_URL, finder: createServices(parts).candidates },
  log: (m) => log.info(m),
  onError: (err) => log.warn({ err }, 'outbox relay pass failed; retrying')
})
log.info(`worker running: queue ${parts.queue.adapter}, index ${parts.searchIndex.adapter}`)

closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'worker stopping after an error')
  else log.info(`${signal} received, stopping`)
  await pipeline.stop()
  await closeParts(parts)
})
