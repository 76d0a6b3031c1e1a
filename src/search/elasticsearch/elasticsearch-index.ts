import { Client, errors } from '@elastic/elasticsearch'
import { SearchIndexUnavailableError, type BulkResult, type IndexOperation, type SearchIndex } from '../../ports/search-index.ts'
import { probe, type PartHealth } from '../../ports/health.ts'
import { KINDS, type Kind } from '../../domain/kinds.ts'
import { INDEX_SETTINGS, aliasName, indexName, mapping } from '../../../indexers/definitions.ts'
import { RANKING_DOCVALUE, fromDocValues, toSource } from '../index-source.ts'
import { listName, type DocFields, type Hit, type FacetCounts, type FacetQuery, type RetrievalQuery, type RetrievalResult } from '../../ports/retrieval.ts'
import { esConcepts, esFilter, esKnn, esLexical, esLexicalTop } from './elasticsearch-query.ts'

export interface ElasticsearchIndexOptions {
  /** Node URL, e.g. http://127.0.0.1:9200. */
  url: string
  /** Prefix of every index and alias. Default "engine-". */
  prefix?: string
  /** Vector length. Default 384. */
  dims?: number
  /** Per-request timeout in ms. Default 30000. */
  requestTimeoutMs?: number
}

/** The distributed search engine, through the official client of the same major version as the server. */
export class ElasticsearchIndex implements SearchIndex {
  readonly adapter = 'elasticsearch'
  readonly volatile = false
  readonly client: Client
  readonly prefix: string
  private readonly dims: number

  /**
   * Options of the retrieval requests: the client's OpenTelemetry layer runs on every request even
   * with no tracer installed (2.6% of the API's CPU under profile matching at 8 in flight), so it
   * runs only when OTEL_ELASTICSEARCH_ENABLED=true asks for it.
   */
  private readonly requestOptions: { openTelemetry: { enabled: boolean } }

  constructor (private readonly options: ElasticsearchIndexOptions) {
    // Every node of a cluster (a comma-separated list): a request that fails on one (a node down,
    // a connection cut) is retried on another, and a dead node is left out until it answers again.
    const nodes = options.url.split(',').map((u) => u.trim()).filter(Boolean)
    this.client = new Client({ nodes, requestTimeout: options.requestTimeoutMs ?? 30_000, maxRetries: nodes.length > 1 ? 3 : 1 })
    this.requestOptions = { openTelemetry: { enabled: process.env.OTEL_ELASTICSEARCH_ENABLED?.toLowerCase() === 'true' } }
    this.prefix = options.prefix ?? 'engine-'
    this.dims = options.dims ?? 384
  }

  /** Concrete indices written instead of the aliases (set while a reindex builds new indices). */
  private targets: Partial<Record<Kind, string>> = {}

  alias (kind: Kind): string {
    return this.targets[kind] ?? aliasName(this.prefix, kind)
  }

  /** A view of this index that writes into the given concrete indices (reindex builds through it). */
  writingTo (targets: Partial<Record<Kind, string>>): ElasticsearchIndex {
    const view = Object.create(this) as ElasticsearchIndex
    view.targets = targets
    return view
  }

  /** Creates a new concrete index for `kind` with the current mapping, not yet behind the alias. */
  async createIndex (kind: Kind, suffix: string): Promise<string> {
    const index = indexName(this.prefix, kind, suffix)
    // While it is built nobody searches it and a failed build starts over: no refreshes, and the
    // translog is synced in the background rather than at every bulk.
    await this.client.indices.create({ index, settings: { ...INDEX_SETTINGS, refresh_interval: '-1', 'translog.durability': 'async' }, mappings: mapping(this.dims, kind) as any })
    return index
  }

  /** Points the alias of `kind` at `index` in one atomic step and drops the indices it pointed at. */
  async swapAlias (kind: Kind, index: string): Promise<string[]> {
    const alias = aliasName(this.prefix, kind)
    await this.client.indices.putSettings({ index, settings: { refresh_interval: INDEX_SETTINGS.refresh_interval, 'translog.durability': 'request' } })
    await this.client.indices.flush({ index })
    await this.client.indices.refresh({ index })
    const current = await this.client.indices.getAlias({ name: alias }, { ignore: [404] }) as Record<string, unknown>
    const old = Object.keys(current ?? {}).filter((name) => name !== index && !name.startsWith('error'))
    await this.client.indices.updateAliases({
      actions: [
        ...old.map((name) => ({ remove: { index: name, alias } })),
        { add: { index, alias, is_write_index: true } }
      ]
    })
    if (old.length > 0) await this.client.indices.delete({ index: old })
    return old
  }

  private ensured = false

  async ensureIndices (): Promise<void> {
    if (this.ensured) return
    for (const kind of KINDS) {
      const alias = this.alias(kind)
      if (await this.client.indices.existsAlias({ name: alias })) {
        // An index built by an earlier mapping version gets the fields added since (adding is
        // always allowed); its documents fill them when reindexed (npm run reindex).
        const { properties } = mapping(this.dims, kind)
        try {
          await this.client.indices.putMapping({ index: alias, properties: properties as any })
        } catch (err) {
          throw new Error(`the index behind ${alias} has a mapping this version cannot extend (${(err as Error).message}): run npm run reindex`)
        }
        continue
      }
      const index = indexName(this.prefix, kind)
      try {
        await this.client.indices.create({ index, settings: INDEX_SETTINGS, mappings: mapping(this.dims, kind) as any, aliases: { [alias]: { is_write_index: true } } })
      } catch (err) {
        // Another process created it first: fine.
        if (!String((err as Error).message).includes('resource_already_exists_exception')) throw err
      }
    }
    this.ensured = true
  }

  async bulk (operations: readonly IndexOperation[]): Promise<BulkResult> {
    const result: BulkResult = { applied: 0, stale: 0, failed: [] }
    if (operations.length === 0) return result
    // Elasticsearch may have been away at start: the first write creates what is missing.
    if (Object.keys(this.targets).length === 0) await this.ensureIndices()
    // The NDJSON body is written here, as one buffer: handed an array, the client serialises it to a
    // string and then counts that string's UTF-8 bytes and encodes it again to send it, a fifth of
    // a reindex's own CPU time (bench/reindex.ts).
    const lines: string[] = []
    for (const o of operations) {
      // External versioning: Elasticsearch itself refuses an operation older than the document it holds.
      if (o.op === 'upsert') {
        lines.push(JSON.stringify({ index: { _index: this.alias(o.doc.kind), _id: o.doc.id, version: o.doc.version, version_type: 'external_gte' } }), JSON.stringify(toSource(o.doc)))
      } else {
        lines.push(JSON.stringify({ delete: { _index: this.alias(o.kind), _id: o.id, version: o.version, version_type: 'external_gte' } }))
      }
    }
    lines.push('')
    const res = await this.client.bulk({ operations: Buffer.from(lines.join('\n')) as unknown as unknown[] })
    res.items.forEach((item, i) => {
      const op = operations[i] as IndexOperation
      const r = item.index ?? item.delete
      const kind = op.op === 'upsert' ? op.doc.kind : op.kind
      const id = op.op === 'upsert' ? op.doc.id : op.id
      if (!r || !r.error) result.applied++
      else if (r.status === 409) result.stale++
      else if (op.op === 'delete' && r.status === 404) result.applied++
      else result.failed.push({ kind, id, reason: `${r.error.type}: ${r.error.reason}` })
    })
    return result
  }

  async count (kind: Kind): Promise<number> {
    const res = await this.client.count({ index: this.alias(kind) })
    return res.count
  }

  async versionOf (kind: Kind, id: string): Promise<number | null> {
    const res = await this.client.get({ index: this.alias(kind), id, _source: false }, { ignore: [404] })
    return res.found ? (res._version ?? null) : null
  }

  /** The bare Elasticsearch requests a retrieval issues (one multi-search); benchmarks replay them. */
  retrievalRequests (q: RetrievalQuery): Array<Record<string, unknown>> {
    const index = this.alias(q.kind)
    // Ranking reads one doc value, which holds the id: no stored field is read (`_source: false`
    // still reads each hit's stored _id: without it a profile match's searches ran at 126 req/s, not 103, bench/README.md
    // "Match latency"). Search shows the whole document (it highlights the texts).
    const fields = q.withTexts ? { _source: { excludes: ['vec_*', 'search_*', RANKING_DOCVALUE] } } : { stored_fields: '_none_', docvalue_fields: [RANKING_DOCVALUE] }
    const searches: Array<Record<string, unknown>> = []
    if (q.lexical) searches.push({ index }, { ...esLexicalTop(q.lexical, q.filter), size: q.size, ...fields, track_total_hits: false })
    for (const s of q.semantic ?? []) searches.push({ index }, { ...esKnn(s, q.filter, q.size), ...fields, track_total_hits: false })
    if (q.concepts && q.concepts.ids.length > 0) searches.push({ index }, { ...esConcepts(q.concepts, q.filter, q.size), ...fields, track_total_hits: false })
    for (const hits of Object.values(q.include ?? {})) {
      searches.push({ index }, { query: { bool: { filter: [...esFilter(q.filter), { terms: { id: hits.map((h) => h.id) } }] } }, size: hits.length, ...fields, track_total_hits: false })
    }
    return searches
  }

  /** One multi-search of the given searches (header and body pairs), as retrievals send it; benchmarks replay through it. */
  multiSearch (searches: readonly unknown[]) {
    return this.client.msearch({ searches: searches as any }, this.requestOptions)
  }

  async retrieve (q: RetrievalQuery): Promise<RetrievalResult> {
    return (await this.retrieveMany([q]))[0] as RetrievalResult
  }

  /** Every search of every retrieval in one multi-search: Elasticsearch runs them side by side. */
  async retrieveMany (queries: readonly RetrievalQuery[]): Promise<RetrievalResult[]> {
    const searches = queries.flatMap((q) => this.retrievalRequests(q))
    const res = searches.length > 0 ? await unavailableOnOutage(this.multiSearch(searches)) : { responses: [] }
    // A document found by several lists is decoded once.
    const decoded = new Map<string, DocFields>()
    const decode = (fields: Record<string, unknown[]>): DocFields => {
      const value = fields[RANKING_DOCVALUE]?.[0] as string
      let doc = decoded.get(value)
      if (!doc) decoded.set(value, doc = fromDocValues(fields))
      return doc
    }
    let at = 0
    return queries.map((q) => {
      const included = Object.entries(q.include ?? {})
      const names = [...(q.lexical ? ['bm25'] : []), ...(q.semantic ?? []).map(listName), ...(q.concepts && q.concepts.ids.length > 0 ? ['concepts'] : []), ...included.map(([name]) => name)]
      const result: RetrievalResult = { lists: {}, docs: new Map() }
      for (const name of names) {
        const r = res.responses[at++]
        if (!r || 'error' in r) {
          const reason = r ? `${r.error.type}: ${r.error.reason}` : 'no response'
          // Overloaded or without the shards it needs (a node away): the same as an outage.
          if (r && (r.status === 429 || r.status >= 500)) {
            throw new SearchIndexUnavailableError(`the search index is unavailable (${reason}): retry later`)
          }
          throw new Error(`${name} search failed: ${reason}`)
        }
        // Cosine kNN scores come back as (1 + cos) / 2: turn them back into cosine similarities.
        const knn = name.startsWith('knn:')
        // A kNN search asks for more neighbours than it keeps when it leaves ids out late (esKnn).
        const hits = knn ? r.hits.hits.slice(0, q.size) : r.hits.hits
        const list: Hit[] = new Array(hits.length)
        hits.forEach((h, i) => {
          // Without stored fields a ranking hit has no _id: its doc value holds the id.
          const doc = q.withTexts ? h._source as DocFields : decode((h.fields ?? {}) as Record<string, unknown[]>)
          const id = q.withTexts ? h._id as string : doc.id
          if (!result.docs.has(id)) result.docs.set(id, doc)
          list[i] = { id, score: knn ? 2 * (h._score ?? 0) - 1 : (h._score ?? 0) }
        })
        result.lists[name] = list
      }
      // Included lists keep their own order and scores; only the documents that passed the filter stay.
      for (const [name, hits] of included) {
        const passed = new Set((result.lists[name] ?? []).map((x) => x.id))
        result.lists[name] = hits.filter((h) => passed.has(h.id))
      }
      return result
    })
  }

  async facets (q: FacetQuery): Promise<FacetCounts> {
    const query = q.lexical ? esLexical(q.lexical, q.filter, q.concepts) : { bool: { filter: esFilter(q.filter) } }
    const res = await unavailableOnOutage(this.client.search({
      index: this.alias(q.kind),
      size: 0,
      query,
      aggs: Object.fromEntries(q.fields.map((f) => [f, { terms: { field: f, size: q.size } }]))
    }))
    const out: FacetCounts = {}
    for (const f of q.fields) {
      const agg = (res.aggregations?.[f] as { buckets?: Array<{ key: string, doc_count: number }> } | undefined)?.buckets ?? []
      out[f] = agg.map((b) => ({ value: String(b.key), count: b.doc_count }))
    }
    return out
  }

  async refresh (kinds: readonly Kind[] = KINDS): Promise<void> {
    await this.client.indices.refresh({ index: kinds.map((k) => this.alias(k)), ignore_unavailable: true })
  }

  health (): Promise<PartHealth> {
    return probe('searchIndex', this.adapter, async () => {
      const health = await this.client.cluster.health({ timeout: '2s' }, { requestTimeout: 3000, maxRetries: 0 })
      if (health.status === 'red') throw new Error(`cluster ${health.cluster_name} is red`)
      return `${this.options.url} cluster ${health.cluster_name} ${health.status}`
    })
  }

  async close (): Promise<void> {
    await this.client.close()
  }
}

/** A request's failure as SearchIndexUnavailableError when Elasticsearch is away or overloaded (no node answers, a timeout, 429 or 503). */
async function unavailableOnOutage<T> (request: Promise<T>): Promise<T> {
  try {
    return await request
  } catch (err) {
    const outage = err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError || err instanceof errors.TimeoutError ||
      (err instanceof errors.ResponseError && (err.statusCode === 503 || err.statusCode === 429))
    if (outage) throw new SearchIndexUnavailableError(`the search index is unavailable (${(err as Error).name}): retry later`, { cause: err })
    throw err
  }
}
