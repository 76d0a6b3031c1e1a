import t from 'tap'
import { randomUUID } from 'node:crypto'
import { ElasticsearchIndex } from '../../../src/search/elasticsearch/elasticsearch-index.ts'
import { INDEX_SETTINGS, aliasName, mapping } from '../../../indexers/definitions.ts'
import { KINDS } from '../../../src/domain/kinds.ts'
import { needs, services } from '../../helpers/services.ts'

// A service upgraded over indices an earlier mapping version built: the fields added since are put
// on them at start, so its writes are not refused by the strict mapping while a reindex is pending.
t.test('ensureIndices adds the new fields to an index an earlier version built', async (t) => {
  if (!await needs(t, 'Elasticsearch', services.elasticsearch)) return
  const prefix = `test-upgrade-${randomUUID().slice(0, 8)}-`
  const es = new ElasticsearchIndex({ url: services.elasticsearch, prefix })
  t.teardown(async () => {
    await es.client.indices.delete({ index: `${prefix}*` }).catch(() => {})
    await es.close()
  })
  for (const kind of KINDS) {
    const current = mapping(384, kind)
    const { search_en: _en, search_it: _it, lang: _lang, ...older } = current.properties
    await es.client.indices.create({ index: `${aliasName(prefix, kind)}-v5`, settings: INDEX_SETTINGS, mappings: { dynamic: 'strict', properties: older } as any, aliases: { [aliasName(prefix, kind)]: { is_write_index: true } } })
  }
  await es.ensureIndices()
  const got = await es.client.indices.getMapping({ index: aliasName(prefix, 'content') })
  const properties = Object.values(got)[0]?.mappings.properties ?? {}
  t.match(properties.search_en, { type: 'text', analyzer: 'english' })
  t.match(properties.search_it, { type: 'text', analyzer: 'italian' })
  t.match(properties.lang, { type: 'keyword' })
  const written = await es.bulk([{ op: 'upsert', doc: { kind: 'content', id: 'c1', version: 1, fields: { kind: 'content', id: 'c1', title: 'Battery recycling', search_en: 'Battery recycling', lang: 'en' }, vectors: {} } }])
  t.same(written.failed, [], 'a document with the new fields is accepted')
})
