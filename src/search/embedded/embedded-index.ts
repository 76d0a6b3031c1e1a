import type { BulkResult, IndexDocument, IndexOperation, SearchIndex } from '../../ports/search-index.ts'
import { probe, type PartHealth } from '../../ports/health.ts'
import { takeTurn } from '../../loop-turns.ts'
import { KINDS, type Kind } from '../../domain/kinds.ts'
import type { Facet } from '../../domain/facets.ts'
import { listName, type DocFields, type FacetCounts, type FacetQuery, type Hit, type RetrievalQuery, type RetrievalResult, type TextField } from '../../ports/retrieval.ts'
import { Bm25Field } from './bm25-field.ts'
import { english, italian } from './analyzers.ts'
import { matchesFilter } from './filter-match.ts'
import { topK } from '../top-k.ts'
import { SEARCHED_FACETS } from '../../../indexers/definitions.ts'
import { SEARCH_ONLY_FIELDS } from '../../../indexers/document.ts'
import { AnnColumn } from './ann-column.ts'

/** Each text field's BM25 indexes: English and Italian analysis, or the one language the field is in. */
const TEXT_FIELDS: ReadonlyArray<[TextField, ReadonlyArray<typeof english>]> = [
  ['title', [english, italian]],
  ['text', [english, italian]],
  ['competencies_text', [english, italian]],
  ['needs_text', [english, italian]],
  ['search_en', [english]],
  ['search_it', [italian]]
]

/** One kind's documents: fields, a vector column per searched facet, and a BM25 index per text field and language. */
class KindIndex {
  /** `deferred`: new columns start without their graph (the refill at start, until restoreGraphs). */
  constructor (readonly kind: Kind, private readonly deferred: () => boolean = () => false) {}
  /** Documents without their vectors (those are in `vectors`). */
  readonly docs = new Map<string, IndexDocument>()
  /** Like Elasticsearch, it holds only the vectors its kind is searched by. */
  readonly vectors = new Map<Facet, AnnColumn>()
  readonly text = new Map<string, Bm25Field[]>(TEXT_FIELDS.map(([f, analyzers]) => [f, analyzers.map((a) => new Bm25Field(a))]))
  /** Concept id → documents holding it, per concept field. */
  readonly concepts = new Map<string, Map<string, Set<string>>>(CONCEPT_FIELDS.map((f) => [f, new Map()]))

  put (doc: IndexDocument): void {
    // Search's own copies of the texts are indexed, not kept (as Elasticsearch keeps them out of _source).
    const fields = { ...doc.fields }
    for (const f of SEARCH_ONLY_FIELDS) delete fields[f]
    this.docs.set(doc.id, { ...doc, fields, vectors: {} })
    for (const facet of SEARCHED_FACETS[this.kind]) {
      const v = doc.vectors[facet]
      let column = this.vectors.get(facet)
      if (v && !column) {
        this.vectors.set(facet, column = new AnnColumn(v.length))
        if (this.deferred()) column.defer()
      }
      column?.set(doc.id, v)
    }
    this.unpost(doc.id)
    for (const [field, postings] of this.concepts) {
      const ids = doc.fields[field]
      if (!Array.isArray(ids)) continue
      for (const c of ids) {
        let set = postings.get(String(c))
        if (!set) postings.set(String(c), set = new Set())
        set.add(doc.id)
      }
    }
    for (const [field, idx] of this.text) {
      const value = doc.fields[field]
      const text = typeof value === 'string' ? value : undefined
      for (const bm25 of idx) bm25.set(doc.id, text)
    }
  }

  remove (id: string): void {
    this.unpost(id)
    this.docs.delete(id)
    for (const column of this.vectors.values()) column.remove(id)
    for (const idx of this.text.values()) for (const bm25 of idx) bm25.remove(id)
  }

  /** Drops a document's concept postings (before it is replaced or removed). */
  private unpost (id: string): void {
    const held = this.docs.get(id)?.fields
    if (!held) return
    for (const [field, postings] of this.concepts) {
      const ids = held[field]
      if (!Array.isArray(ids)) continue
      for (const c of ids) {
        const set = postings.get(String(c))
        set?.delete(id)
        if (set?.size === 0) postings.delete(String(c))
      }
    }
  }
}

const CONCEPT_FIELDS = ['concepts', 'need_concepts'] as const

/** Changes to a column (at least, and a tenth of its size) after which its graph is written again. */
const GRAPH_SAVE_CHANGES = 1000

/**
 * The search index that lives in this process, used when ELASTICSEARCH_URL is unset. It keeps the
 * same documents and the same version rule as Elasticsearch (an older operation never wins, deletes
 * leave a version tombstone) and answers the same retrievals: BM25 with Lucene's formula over the
 * same English/Italian analysis, and filtered kNN: through an HNSW graph when about 1,000 rows or
 * more pass the filter, by an exact scan otherwise (ann-column.ts; at 12,000 vectors the scan costs
 * 7-12 ms a search, the graph 1-2 ms with recall@20 >= 0.99). It is refilled from the store at start.
 *
 * With `graphDir` (DATA_DIR/ann-graphs), each column's HNSW graph is kept on disk (ann-graph-file.ts):
 * the refill defers the graphs (`deferGraphs`), then `restoreGraphs` loads those that were built from
 * exactly the refilled vectors and rebuilds the others in the background, one at a time, while the
 * scan answers. A graph is written after it is rebuilt, after GRAPH_SAVE_CHANGES changes (a minute
 * later, at most one write at a time), and at close.
 */
export class EmbeddedIndex implements SearchIndex {
  readonly adapter = 'embedded'
  readonly volatile = true
  private deferred = false
  private readonly kinds = new Map<Kind, KindIndex>(KINDS.map((k) => [k, new KindIndex(k, () => this.deferred)]))
  private readonly tombstones = new Map<string, number>()
  private readonly graphDir: string | null
  /** Graph rebuilds and writes, one after the other (each is CPU or disk the requests share). */
  private graphWork: Promise<unknown> = Promise.resolve()
  private saveTimer: NodeJS.Timeout | null = null
  private closed = false

  constructor (options: { graphDir?: string } = {}) {
    this.graphDir = options.graphDir ?? null
  }

  /** Every column with its name on disk (`<kind>-<facet>`). */
  private columns (): Array<[string, AnnColumn]> {
    const out: Array<[string, AnnColumn]> = []
    for (const [kind, index] of this.kinds) for (const [facet, column] of index.vectors) out.push([`${kind}-${facet}`, column])
    return out
  }

  /** Each column's graph: whether kNN goes through it, and how it came about (for /ready's detail, tests and benchmarks). */
  graphStatus (): Record<string, ReturnType<AnnColumn['status']> & { size: number, answered: AnnColumn['answered'] }> {
    return Object.fromEntries(this.columns().map(([name, c]) => [name, { ...c.status(), size: c.size, answered: { ...c.answered } }]))
  }

  /** Columns fill their exact scan only, from now until restoreGraphs (the refill at start). */
  deferGraphs (): void {
    this.deferred = true
    for (const [, column] of this.columns()) column.defer()
  }

  /**
   * Ends deferGraphs: loads each column's saved graph if it was built from exactly the vectors the
   * column holds now; the others are rebuilt in the background, then written. Resolves once the loads
   * are done (the rebuilds go on); `log` says what was loaded and why a graph was not.
   */
  async restoreGraphs (log: (line: string) => void = () => {}): Promise<{ loaded: string[], rebuilding: string[] }> {
    this.deferred = false
    const loaded: string[] = []
    const rebuilding: string[] = []
    for (const [name, column] of this.columns()) {
      if (column.status().state !== 'deferred') continue
      const r = this.graphDir
        ? await column.load(this.graphDir, name).catch((err: Error) => ({ loaded: false as const, rejected: err.message }))
        : { loaded: false as const, rejected: 'no DATA_DIR to keep graphs in' }
      if (r.loaded) { loaded.push(name); continue }
      rebuilding.push(name)
      log(`kNN graph ${name} (${column.size} vectors) not loaded: ${r.rejected}; rebuilding it in the background, the exact scan answers meanwhile`)
      this.queueGraphWork(async () => {
        if (await column.build(r.rejected) && this.graphDir) await column.save(this.graphDir, name)
        const s = column.status()
        if (s.state === 'ready') log(`kNN graph ${name} rebuilt in ${s.ms} ms`)
      })
    }
    if (loaded.length > 0) log(`kNN graphs loaded from ${this.graphDir}: ${loaded.join(', ')}`)
    return { loaded, rebuilding }
  }

  /** Settles when the graph rebuilds and writes queued so far are done. */
  graphsSettled (): Promise<unknown> {
    return this.graphWork
  }

  private queueGraphWork (work: () => Promise<void>): void {
    this.graphWork = this.graphWork.then(() => this.closed ? undefined : work()).catch(() => {})
  }

  /** Writes the graphs with changes not on disk (every one with `all`, else those past GRAPH_SAVE_CHANGES). */
  private async saveGraphs (all: boolean): Promise<void> {
    if (!this.graphDir) return
    for (const [name, column] of this.columns()) {
      const s = column.status()
      if (s.unsaved > 0 && (all || s.unsaved >= Math.max(GRAPH_SAVE_CHANGES, column.size / 10))) await column.save(this.graphDir, name).catch(() => null)
    }
  }

  /** After a bulk: a write of the graphs a minute later if one has enough changes not on disk. */
  private scheduleSave (): void {
    if (!this.graphDir || this.saveTimer || this.closed || this.deferred) return
    const due = this.columns().some(([, c]) => { const s = c.status(); return s.state === 'ready' && s.unsaved >= Math.max(GRAPH_SAVE_CHANGES, c.size / 10) })
    if (!due) return
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null
      this.queueGraphWork(() => this.saveGraphs(false))
    }, 60_000)
    this.saveTimer.unref()
  }

  async ensureIndices (): Promise<void> {}

  async bulk (operations: readonly IndexOperation[]): Promise<BulkResult> {
    const result: BulkResult = { applied: 0, stale: 0, failed: [] }
    for (const o of operations) {
      const kind = o.op === 'upsert' ? o.doc.kind : o.kind
      const id = o.op === 'upsert' ? o.doc.id : o.id
      const version = o.op === 'upsert' ? o.doc.version : o.version
      const index = this.kinds.get(kind) as KindIndex
      const held = index.docs.get(id)?.version ?? this.tombstones.get(`${kind}/${id}`) ?? -1
      if (version < held) { result.stale++; continue }
      if (o.op === 'upsert') {
        index.put(o.doc)
        this.tombstones.delete(`${kind}/${id}`)
      } else {
        index.remove(id)
        this.tombstones.set(`${kind}/${id}`, version)
      }
      result.applied++
    }
    this.scheduleSave()
    return result
  }

  async retrieve (q: RetrievalQuery): Promise<RetrievalResult> {
    // Milliseconds of CPU on the API's thread: one retrieval per turn of the event loop (loop-turns.ts).
    await takeTurn()
    const index = this.kinds.get(q.kind) as KindIndex
    const result: RetrievalResult = { lists: {}, docs: new Map() }
    const passes = new Map<string, boolean>()
    const accept = (id: string): boolean => {
      let ok = passes.get(id)
      if (ok === undefined) {
        const doc = index.docs.get(id)
        ok = doc !== undefined && matchesFilter(doc.fields as DocFields, q.filter)
        passes.set(id, ok)
      }
      return ok
    }
    if (q.lexical) {
      const scores = new Map<string, number>()
      for (const [field, boost] of Object.entries(q.lexical.fields)) {
        const idx = index.text.get(field)
        if (!idx || !boost) continue
        for (const bm25 of idx) bm25.score(q.lexical.text, boost, scores)
      }
      result.lists.bm25 = topK(scores.entries(), q.size, accept)
    }
    for (const s of q.semantic ?? []) {
      result.lists[listName(s)] = this.knn(index, s.facet, s.vector, q.size, accept)
    }
    if (q.concepts && q.concepts.ids.length > 0) {
      // As Elasticsearch scores it (elasticsearch-query.ts esConcepts): one point per concept held; ties by id.
      const counts = new Map<string, number>()
      const postings = index.concepts.get(q.concepts.field)
      for (const c of new Set(q.concepts.ids)) for (const id of postings?.get(c) ?? []) counts.set(id, (counts.get(id) ?? 0) + 1)
      result.lists.concepts = topK(counts.entries(), q.size, accept)
    }
    for (const [name, hits] of Object.entries(q.include ?? {})) result.lists[name] = hits.filter((h) => accept(h.id))
    for (const list of Object.values(result.lists)) {
      for (const hit of list) if (!result.docs.has(hit.id)) result.docs.set(hit.id, index.docs.get(hit.id)?.fields as DocFields)
    }
    return result
  }

  async retrieveMany (queries: readonly RetrievalQuery[]): Promise<RetrievalResult[]> {
    const out: RetrievalResult[] = []
    for (const q of queries) out.push(await this.retrieve(q))
    return out
  }

  async facets (q: FacetQuery): Promise<FacetCounts> {
    await takeTurn()
    const index = this.kinds.get(q.kind) as KindIndex
    let ids: Iterable<string>
    if (q.lexical) {
      const scores = new Map<string, number>()
      const accept = (id: string) => matchesFilter(index.docs.get(id)?.fields as DocFields, q.filter)
      for (const [field, boost] of Object.entries(q.lexical.fields)) {
        const idx = index.text.get(field)
        if (!idx || !boost) continue
        for (const bm25 of idx) bm25.score(q.lexical.text, boost, scores, accept)
      }
      const postings = q.concepts ? index.concepts.get(q.concepts.field) : undefined
      for (const c of q.concepts?.ids ?? []) for (const id of postings?.get(c) ?? []) if (!scores.has(id) && accept(id)) scores.set(id, 0)
      ids = scores.keys()
    } else {
      ids = [...index.docs.keys()].filter((id) => matchesFilter(index.docs.get(id)?.fields as DocFields, q.filter))
    }
    const counts = new Map<string, Map<string, number>>(q.fields.map((f) => [f, new Map()]))
    for (const id of ids) {
      const fields = index.docs.get(id)?.fields ?? {}
      for (const f of q.fields) {
        const raw = fields[f]
        const values = new Set(Array.isArray(raw) ? raw.map(String) : raw === undefined || raw === null ? [] : [String(raw)])
        const c = counts.get(f) as Map<string, number>
        for (const v of values) c.set(v, (c.get(v) ?? 0) + 1)
      }
    }
    const out: FacetCounts = {}
    for (const f of q.fields) {
      // Elasticsearch's terms order: count descending, then value ascending.
      out[f] = [...(counts.get(f) as Map<string, number>)].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, q.size).map(([value, count]) => ({ value, count }))
    }
    return out
  }

  async count (kind: Kind): Promise<number> {
    return this.kinds.get(kind)?.docs.size ?? 0
  }

  async versionOf (kind: Kind, id: string): Promise<number | null> {
    return this.kinds.get(kind)?.docs.get(id)?.version ?? null
  }

  async refresh (): Promise<void> {}

  health (): Promise<PartHealth> {
    return probe('searchIndex', this.adapter, async () => {
      let n = 0
      for (const index of this.kinds.values()) n += index.docs.size
      const graphs = Object.values(this.graphStatus())
      const ready = graphs.filter((g) => g.state === 'ready')
      return `in-process, ${n} documents; kNN graphs ${ready.length} of ${graphs.length} ready (${ready.filter((g) => g.source === 'loaded').length} loaded from disk)` +
        (graphs.some((g) => g.state === 'building') ? `, ${graphs.filter((g) => g.state === 'building').length} being rebuilt` : '')
    })
  }

  /** Writes the graphs with changes not on disk (at shutdown), then empties the index. */
  async close (): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer)
    this.saveTimer = null
    this.closed = true
    for (const [, column] of this.columns()) if (column.status().state === 'building') column.close()
    await this.graphWork
    await this.saveGraphs(true)
    for (const [, column] of this.columns()) column.close()
    for (const kind of KINDS) this.kinds.set(kind, new KindIndex(kind, () => this.deferred))
    this.tombstones.clear()
    this.closed = false
    this.deferred = false
  }

  private knn (index: KindIndex, facet: Facet, query: Float32Array, k: number, accept: (id: string) => boolean): Hit[] {
    if (!SEARCHED_FACETS[index.kind].includes(facet)) throw new Error(`${index.kind} are not searched by ${facet} vectors (indexers/definitions.ts SEARCHED_FACETS)`)
    return index.vectors.get(facet)?.search(query, k, accept) ?? []
  }
}
