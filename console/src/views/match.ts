import { useEffect, useState } from 'preact/hooks'
import type { PartnerMatchResponse, Scope } from '../../../client/index.ts'
import { html } from '../html.ts'
import { maybe, useI18n } from '../i18n.ts'
import { api } from '../session.ts'
import { ErrorMessage, Pager, Status, ViewTitle } from '../components/common.ts'
import { usePagedRequest } from '../components/paged-request.ts'
import { Compare } from '../components/compare.ts'
import { ResultCard } from '../components/result-card.ts'
import { SeekerFields, emptySeeker, matchRequest, seekerSide, type Seeker } from '../components/seeker.ts'
import { IndexingNotice } from '../components/indexing-notice.ts'

type PartnerResult = PartnerMatchResponse['results'][number]

const LIMITS = [10, 20, 50]

export function MatchView ({ params, focus, scope }: { params: URLSearchParams, focus: boolean, scope: Scope | null }) {
  const { t, country } = useI18n()
  const org = params.get('org')
  const [seeker, setSeeker] = useState<Seeker>(() => emptySeeker(org ? { id: org, name: org } : null))
  const [limit, setLimit] = useState(10)
  const [hint, setHint] = useState('')
  const [open, setOpen] = useState<PartnerResult | null>(null)
  const { asked, cursors, response, error, setError, busy, send, cursorOf, offset } = usePagedRequest<Seeker, PartnerMatchResponse>(limit)

  // Arriving with ?org=: show the organisation's name and match at once.
  useEffect(() => {
    if (!org) return
    api.getRecord('organizations', org).then((b) => {
      const named = { ...emptySeeker({ id: org, name: String((b as { name?: unknown }).name ?? org) }) }
      setSeeker(named)
      run(named, [null])
    }).catch(setError)
  }, [org])

  const run = (s: Seeker, pages: Array<string | null>) => {
    const cursor = cursorOf(pages)
    const body = matchRequest(s, { limit, explain: true, ...(cursor ? { cursor } : {}) })
    if (!body) { setHint(t('match.needSeeker')); return }
    setHint('')
    send(s, pages, (signal) => api.matchPartners(body, signal))
  }

  const results = response?.results ?? []
  return html`
    <section class="view match-view">
      <${ViewTitle} focus=${focus}>${t('match.title')}</${ViewTitle}>
      <${IndexingNotice} scope=${scope} />
      <form class="panel" onSubmit=${(e: Event) => { e.preventDefault(); run(seeker, [null]) }}>
        <${SeekerFields} value=${seeker} onChange=${setSeeker} idPrefix="match" />
        <div class="field-row">
          <div class="field narrow">
            <label for="match-limit">${t('common.limit')}</label>
            <select id="match-limit" value=${String(limit)} onChange=${(e: Event) => setLimit(Number((e.target as HTMLSelectElement).value))}>
              ${LIMITS.map((n) => html`<option value=${String(n)}>${n}</option>`)}
            </select>
          </div>
          <button type="submit" class="primary">${t('match.submit')}</button>
        </div>
        ${hint && html`<p class="error" role="alert">${hint}</p>`}
      </form>
      <${ErrorMessage} error=${error} />
      ${response && !response.semanticMatching && html`<p class="notice">${t('common.lexicalOnly')}${response.notice ? ` (${response.notice})` : ''}</p>`}
      <${Status}>${busy ? t('common.loading') : response ? (results.length === 0 ? t('common.none') : t('common.resultsRange', { from: offset + 1, to: offset + results.length })) : ''}</${Status}>
      <ol class="results">
        ${results.map((r, i) => html`
          <${ResultCard} key=${r.id} id=${r.id} rank=${offset + i + 1} title=${r.name} badge=${maybe(t, `value.${r.kind}`, r.kind)}
            facts=${[r.country ? country(r.country) : null, r.region ?? null].filter(Boolean)}
            score=${r.score} summary=${r.reasons.summary}
            pairs=${[...r.reasons.matched, ...r.reasons.matchedBack].map((m) => ({ mine: m.sought, theirs: m.matched, strength: m.strength }))}
            features=${r.features} onCompare=${() => setOpen(r)} />`)}
      </ol>
      ${asked && html`<${Pager} page=${cursors.length} hasNext=${Boolean(response?.nextCursor)} busy=${busy}
        onPrevious=${() => run(asked, cursors.slice(0, -1))}
        onNext=${() => { if (response?.nextCursor) run(asked, [...cursors, response.nextCursor]) }} />`}
      ${open && asked && html`
        <${Compare} title=${`${asked.by === 'org' && asked.org ? asked.org.name : t('match.yourText')} ↔ ${open.name}`}
          left=${seekerSide(asked, t('match.you'))} right=${{ role: t('match.them'), kind: 'organizations', id: open.id }}
          pairs=${[...open.reasons.matched, ...open.reasons.matchedBack].map((m) => ({ mine: m.sought, theirs: m.matched, strength: m.strength }))}
          summary=${open.reasons.summary} shared=${open.reasons.sharedS3Areas} onClose=${() => setOpen(null)} />`}
    </section>`
}
