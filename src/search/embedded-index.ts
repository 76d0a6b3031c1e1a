import type { SearchIndex } from '../ports/search-index.ts'
import { probe, type PartHealth } from '../ports/health.ts'

/**
 * The search index that lives in this process, used when ELASTICSEARCH_URL is unset.
 * It holds no state of its own beyond memory: it is rebuilt from the store at start.
 */
export class EmbeddedIndex implements SearchIndex {
  readonly adapter = 'embedded'
  private documents = 0

  health (): Promise<PartHealth> {
    return probe('searchIndex', this.adapter, async () => `in-process, ${this.documents} documents`)
  }

  async close (): Promise<void> {
    this.documents = 0
  }
}
