// `npm run reindex [-- kind ...]`: rebuilds Elasticsearch indices from the store with no downtime.
// Each kind gets a new concrete index filled from stored records and stored vectors (only texts
// never embedded are embedded), then its alias is swapped atomically and the old index dropped.
// Writes accepted meanwhile are replayed from the outbox into the new index.
import { loadConfig } from '../../config/load.ts'
import { KINDS, isKind, type Kind } from '../domain/kinds.ts'
import { closeParts, openParts } from '../parts.ts'
import { ElasticsearchIndex } from '../search/elasticsearch/elasticsearch-index.ts'
import { VectorCache } from '../records/vector-cache.ts'
import { reindexAll } from '../pipeline/reindex.ts'
import { progressLine } from './progress.ts'

const config = loadConfig()
const kinds = process.argv.slice(2)
for (const k of kinds) if (!isKind(k)) throw new Error(`unknown kind "${k}": one of ${KINDS.join(', ')}`)
const parts = await openParts(config, { info: (m) => console.error(m), warn: (m) => console.error(m) })
try {
  if (!(parts.searchIndex instanceof ElasticsearchIndex)) {
    console.log('the embedded index is rebuilt from the store at every start: nothing to do')
  } else {
    await parts.modelReady
    const es = parts.searchIndex
    await es.ensureIndices()
    const chosen = (kinds.length > 0 ? kinds : KINDS) as Kind[]
    const since = await parts.store.db.selectFrom('outbox').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst()
    const suffix = String(Date.now())
    const targets: Partial<Record<Kind, string>> = {}
    for (const kind of chosen) targets[kind] = await es.createIndex(kind, suffix)
    const progress = progressLine()
    const stats = await reindexAll({
      db: parts.store.db,
      embedder: parts.embedder,
      cache: new VectorCache(parts.store.db),
      target: es.writingTo(targets),
      kinds: chosen,
      onProgress: (p) => progress(p.kind, p.done, p.total)
    })
    for (const kind of chosen) await es.swapAlias(kind, targets[kind] as string)
    // Writes that landed in the old indices while this ran: index them again, into the new ones.
    const replay = await parts.store.db.updateTable('outbox').set({ done_at: null, enqueued_at: null })
      .where('seq', '>', String(since?.seq ?? 0)).where('kind', 'in', chosen).executeTakeFirst()
    console.log(`reindexed ${stats.documents} documents in ${(stats.ms / 1000).toFixed(1)} s ` +
      `(${Math.round(stats.documents / Math.max(stats.ms / 1000, 0.001))}/s; vectors reused ${stats.reusedVectors}, embedded ${stats.embeddedVectors}); ` +
      `${Number(replay.numUpdatedRows)} concurrent writes queued again`)
  }
} finally {
  await closeParts(parts)
}
