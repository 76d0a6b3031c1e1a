import { useState } from 'preact/hooks'
import { isAbort, useLatest } from './common.ts'

/**
 * The state every paged view keeps about its last request: what was asked, the cursors of the pages
 * walked so far (null: the first page), the answer, its error and whether one is on its way. `send`
 * asks for the last of `pages`; an older request still running is aborted (the newest answer wins).
 */
export function usePagedRequest<Asked, Response> (limit: number) {
  const [asked, setAsked] = useState<Asked | null>(null)
  const [cursors, setCursors] = useState<Array<string | null>>([null])
  const [response, setResponse] = useState<Response | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const latest = useLatest()

  const send = (what: Asked, pages: Array<string | null>, request: (signal: AbortSignal) => Promise<Response>) => {
    setAsked(what)
    setCursors(pages)
    setBusy(true)
    setError(null)
    latest(request)
      .then((res) => { setResponse(res); setBusy(false) })
      .catch((err) => { if (!isAbort(err)) { setError(err); setBusy(false) } })
  }

  return {
    asked,
    cursors,
    response,
    error,
    setError,
    busy,
    send,
    /** The cursor of the page being asked for (null: the first). */
    cursorOf: (pages: Array<string | null>) => pages[pages.length - 1] ?? null,
    /** Results before the current page. */
    offset: (cursors.length - 1) * limit
  }
}
