import t from 'tap'
import { loadConfig, ConfigError } from '../../config/load.ts'
import { ConfigSchema } from '../../config/schema.ts'

t.test('defaults give the embedded service', async (t) => {
  const config = loadConfig({})
  t.equal(config.PORT, 3000)
  t.equal(config.HOST, '127.0.0.1')
  t.equal(config.DATABASE_URL, undefined)
  t.equal(config.REDIS_URL, undefined)
  t.equal(config.ELASTICSEARCH_URL, undefined)
  t.equal(config.EMBEDDING_ALLOW_MAVEN, true)
  t.equal(config.MODELS_DIR, 'models')
})

t.test('values are coerced to their types', async (t) => {
  const config = loadConfig({ PORT: '8080', EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_THREADS: '2' })
  t.equal(config.PORT, 8080)
  t.equal(config.EMBEDDING_ALLOW_REMOTE, false)
  t.equal(config.EMBEDDING_THREADS, 2)
})

t.test('an empty variable counts as unset', async (t) => {
  t.equal(loadConfig({ PORT: '', DATABASE_URL: '' }).PORT, 3000)
  t.equal(loadConfig({ DATABASE_URL: '' }).DATABASE_URL, undefined)
})

t.test('bad values are rejected, naming the variable', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL/],
    [{ ELASTICSEARCH_URL: 'localhost:9200' }, /ELASTICSEARCH_URL/],
    [{ EMBEDDING_ALLOW_MAVEN: 'perhaps' }, /EMBEDDING_ALLOW_MAVEN/],
    [{ OUTBOX_BATCH_SIZE: '0' }, /OUTBOX_BATCH_SIZE/],
    [{ OUTBOX_BATCH_SIZE: '4096' }, /OUTBOX_BATCH_SIZE/]
  ]
  for (const [env, name] of cases) {
    t.throws(() => loadConfig(env), { name: 'Error', message: name }, JSON.stringify(env))
    try { loadConfig(env) } catch (err) { t.ok(err instanceof ConfigError) }
  }
})

t.test('every variable is documented in the schema and in docs/configuration.md', async (t) => {
  const { readFile } = await import('node:fs/promises')
  const readme = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8')
  for (const [name, schema] of Object.entries(ConfigSchema.properties)) {
    t.ok((schema as { description?: string }).description, `${name} has a description`)
    t.match(readme, new RegExp('`' + name + '`'), `${name} is in docs/configuration.md`)
  }
})
