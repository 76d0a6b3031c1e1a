import { Client } from '@elastic/elasticsearch'
import type { SearchIndex } from '../ports/search-index.ts'
import { probe, type PartHealth } from '../ports/health.ts'

export interface ElasticsearchIndexOptions {
  /** Node URL, e.g. http://127.0.0.1:9200. */
  url: string
  /** Per-request timeout in ms. Default 10000. */
  requestTimeoutMs?: number
}

/** The distributed search engine, through the official client of the same major version as the server. */
export class ElasticsearchIndex implements SearchIndex {
  readonly adapter = 'elasticsearch'
  readonly client: Client

  constructor (private readonly options: ElasticsearchIndexOptions) {
    this.client = new Client({
      node: options.url,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      maxRetries: 1
    })
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
