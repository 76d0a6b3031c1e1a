import { useEffect, useState } from 'preact/hooks'
import type { Scope, StatusResponse } from '../../../client/index.ts'
import { html } from '../html.ts'
import { useI18n, type MessageKey } from '../i18n.ts'
import { allows, api } from '../session.ts'

const EVERY_MS = 5000

interface Ready { catchUp?: { refill: { state: string, indexed: number, total: number } | null, pendingOutbox: number | null } }

/** What is behind: records of a kind (or of every kind: null) not in the index yet, or writes waiting. */
type Behind = { kind: string | null, done: number, total: number } | { kind: string | null, pending: number }

/**
 * "Indexing in progress: 523 of 877 proposals…" while the search index is behind the store, so that
 * a search or a match that misses records says why; gone once every kind is in sync. Per kind from
 * `GET /v1/status` when the key may read it (admin, or no API_KEYS); otherwise from the public
 * `GET /ready`, which only knows the records refilled at a start and the writes waiting. Asked every
 * 5 s while the tab is visible.
 */
export function IndexingNotice ({ scope }: { scope: Scope | null }) {
  const { t, number } = useI18n()
  // Numbers only: the words are made at render time, in the language then in force.
  const [behind, setBehind] = useState<Behind[]>([])
  const admin = allows(scope, 'admin')

  useEffect(() => {
    let stopped = false
    const check = async () => {
      if (document.hidden) return
      try {
        const now = admin ? fromStatus(await api.status()) : fromReady(await api.request<Ready>('GET', '/ready').catch((err: { body?: Ready }) => err.body ?? {}))
        if (!stopped) setBehind(now)
      } catch {
        // A courtesy: a status that does not answer says nothing here (each view shows its own errors).
      }
    }
    check()
    const timer = setInterval(check, EVERY_MS)
    return () => { stopped = true; clearInterval(timer) }
  }, [admin])

  if (behind.length === 0) return null
  const n = (x: number) => number(x, 0)
  const what = (kind: string | null) => kind ? t(`kind.${kind}` as MessageKey).toLocaleLowerCase() : t('indexing.records')
  const progress = behind.map((b) => 'pending' in b
    ? t('indexing.waiting', { n: n(b.pending), kind: what(b.kind) })
    : t('indexing.indexed', { done: n(b.done), total: n(b.total), kind: what(b.kind) }))
  return html`<p class="notice indexing" data-testid="indexing-notice">${t('indexing.notice', { progress: progress.join('; ') })}</p>`
}

function fromStatus (status: StatusResponse): Behind[] {
  return status.kinds.filter((k) => !k.inSync && k.documents !== null).map((k) => {
    const done = Math.min(k.documents ?? 0, k.rows)
    return done < k.rows ? { kind: k.kind, done, total: k.rows } : { kind: k.kind, pending: k.pendingOutbox }
  })
}

function fromReady (ready: Ready): Behind[] {
  const refill = ready.catchUp?.refill
  if (refill && refill.state !== 'done' && refill.total > 0) return [{ kind: null, done: refill.indexed, total: refill.total }]
  const pending = ready.catchUp?.pendingOutbox ?? 0
  return pending > 0 ? [{ kind: null, pending }] : []
}
