import type { Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { testApp } from './app.ts'
import { needs, onCleanup, services } from './services.ts'
import { ElasticsearchIndex } from '../../src/search/elasticsearch/elasticsearch-index.ts'

export const BACKENDS = ['embedded', 'elasticsearch'] as const

/**
 * The test service on one index backend: the embedded index, or the Elasticsearch node of the tests
 * under a prefix of its own, whose indices go when the test ends. Null when Elasticsearch is down off
 * CI (on CI that fails the test).
 */
export async function backendApp (t: Test, backend: typeof BACKENDS[number], env: Record<string, string> = {}) {
  if (backend === 'embedded') return testApp(t, env)
  if (!await needs(t, 'Elasticsearch', services.elasticsearch)) return null
  const prefix = `test-${randomUUID().slice(0, 8)}-`
  const es = new ElasticsearchIndex({ url: services.elasticsearch, prefix })
  onCleanup(t, async () => {
    await es.client.indices.delete({ index: `${prefix}*` }).catch(() => {})
    await es.close()
  })
  return testApp(t, { ELASTICSEARCH_URL: services.elasticsearch, INDEX_PREFIX: prefix, ...env })
}
