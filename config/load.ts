import envSchema from 'env-schema'
import { ConfigSchema, type Config } from './schema.ts'

/** Thrown when the environment does not satisfy the schema; the message names each bad variable. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG'
}

/**
 * Validates an environment (process.env by default) into a typed config.
 * Unknown variables are ignored; empty strings count as unset so `FOO=` does not defeat a default.
 */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const data: Record<string, string> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') data[key] = value
  }
  let config: Config
  try {
    config = envSchema<Config>({ schema: ConfigSchema, data, env: false, dotenv: false })
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`)
  }
  // Refused here, before anything is opened or migrated: an open service on a public interface.
  if (!config.API_KEYS && !isLoopback(config.HOST)) {
    throw new ConfigError(`invalid configuration: HOST=${config.HOST} is not a loopback address, so API_KEYS must be set (key:scope pairs), or bind HOST=127.0.0.1`)
  }
  return config
}

/** Whether a host name or address only accepts connections from this machine. */
export function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
