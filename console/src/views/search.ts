import { useEffect, useMemo, useState } from 'preact/hooks'
import type { SearchQuery, SearchResponse, Scope } from '../../../client/index.ts'
import { html } from '../html.ts'
import { maybe, useI18n, type MessageKey, type Translate } from '../i18n.ts'
import { highlighted, markWords, markedWords } from '../highlight.ts'
import { href } from '../router.ts'
import { api } from '../session.ts'
import { ErrorMessage, Pager, Status, Tabs, ViewTitle } from '../components/common.ts'
import { usePagedRequest } from '../components/paged-request.ts'
import { IndexingNotice } from '../components/indexing-notice.ts'

type SearchKind = NonNullable<SearchQuery['kinds']>[number]
type FacetField = NonNullable<SearchQuery['facets']>[number]

const ALL: SearchKind[] = ['organizations', 'proposals', 'people', 'projects', 'communities', 'content']
const TABS: Array<{ id: string, kinds: SearchKind[] }> = [
  { id: 'default', kinds: ['organizations', 'proposals'] },
  ...ALL.map((k) => ({ id: k, kinds: [k] })),
  { id: 'all', kinds: ALL }
]

/** Facets the search can also filter on, and the query parameter of each. */
const FILTERS: Array<{ facet: FacetField, param: 'country' | 'region' | 's3Area' | 'orgKind' | 'type' | 'status' }> = [
  { facet: 'country', param: 'country' },
  { facet: 'region', param: 'region' },
  { facet: 's3_areas', param: 's3Area' },
  { facet: 'org_kind', param: 'orgKind' },
  { facet: 'type', param: 'type' },
  { facet: 'status', param: 'status' }
]
const FACET_VALUES_SHOWN = 8

interface Asked { q: string, tab: string, filters: Record<string, string[]>, includeExpired: boolean, moreLikeThis: { ref: string, title: string } | null }

export function SearchView ({ params, focus, scope }: { params: URLSearchParams, focus: boolean, scope: Scope | null }) {
  const { t, number, country } = useI18n()
  const [text, setText] = useState(params.get('q') ?? '')
  const [tab, setTab] = useState('default')
  const { asked, cursors, response, error, busy, send, cursorOf } = usePagedRequest<Asked, SearchResponse>(10)
  // On a phone the filters start folded, so the results come first into view.
  const narrow = useMemo(() => window.matchMedia?.('(max-width: 820px)').matches ?? false, [])

  const run = (next: Asked, pages: Array<string | null>) => {
    const cursor = cursorOf(pages)
    const kinds = (TABS.find((x) => x.id === next.tab) ?? TABS[0])?.kinds ?? []
    const query: SearchQuery = {
      kinds,
      facets: FILTERS.map((f) => f.facet),
      limit: 10,
      ...(next.q ? { q: next.q } : {}),
      ...(next.moreLikeThis ? { moreLikeThis: next.moreLikeThis.ref } : {}),
      ...(next.includeExpired ? { includeExpired: true } : {}),
      ...(cursor ? { cursor } : {})
    }
    for (const f of FILTERS) {
      const values = next.filters[f.param]
      if (values && values.length > 0) query[f.param] = values
    }
    send(next, pages, (signal) => api.search(query, signal))
  }

  useEffect(() => { if (params.get('q')) run({ q: params.get('q') as string, tab, filters: {}, includeExpired: false, moreLikeThis: null }, [null]) }, [])

  const submit = (e: Event) => {
    e.preventDefault()
    if (!text.trim()) return
    run({ q: text.trim(), tab, filters: {}, includeExpired: asked?.includeExpired ?? false, moreLikeThis: null }, [null])
  }
  const chooseTab = (id: string) => {
    setTab(id)
    if (asked) run({ ...asked, tab: id, filters: {} }, [null])
  }
  const toggle = (param: string, value: string) => {
    if (!asked) return
    const current = asked.filters[param] ?? []
    const values = current.includes(value) ? current.filter((v) => v !== value) : [...current, value]
    run({ ...asked, filters: { ...asked.filters, [param]: values } }, [null])
  }
  const label = (facet: string, value: string) => facet === 'country' ? country(value) : maybe(t, `value.${value}`, value)

  const page = cursors.length
  const results = response?.results ?? []
  const chosenCount = Object.values(asked?.filters ?? {}).reduce((n, v) => n + v.length, 0)
  const from = (page - 1) * 10 + 1
  return html`
    <section class="view search-view">
      <${ViewTitle} focus=${focus}>${t('search.title')}</${ViewTitle}>
      <${IndexingNotice} scope=${scope} />
      <form role="search" class="search-form" onSubmit=${submit}>
        <label for="search-q">${t('search.query')}</label>
        <div class="inline">
          <input id="search-q" type="search" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
          <button type="submit" class="primary">${t('common.search')}</button>
        </div>
      </form>
      <${Tabs} label=${t('search.kinds')} idPrefix="search" selected=${tab} onSelect=${chooseTab}
        tabs=${TABS.map((x) => ({ id: x.id, label: x.id === 'default' ? t('search.kind.default') : x.id === 'all' ? t('search.kind.all') : t(`kind.${x.id}` as MessageKey) }))} />
      <div id="search-panel" role="tabpanel" aria-labelledby=${`search-tab-${tab}`} class=${asked ? 'with-sidebar' : ''}>
        ${asked && html`<aside class="facets" aria-label=${t('search.facets')}>
          <details open=${!narrow}>
            <summary><h2 class="small">${t('search.facets')}${chosenCount > 0 ? ` (${chosenCount})` : ''}</h2></summary>
            ${FILTERS.map((f) => {
              const counts = response?.facets[f.facet] ?? []
              const chosen = asked.filters[f.param] ?? []
              const values = [...counts.slice(0, FACET_VALUES_SHOWN), ...counts.slice(FACET_VALUES_SHOWN).filter((c) => chosen.includes(c.value))]
              if (values.length === 0) return null
              return html`
                <fieldset class="facet" data-facet=${f.facet}>
                  <legend>${t(`facet.${f.facet}` as MessageKey)}</legend>
                  ${values.map((c) => html`
                    <label class="check">
                      <input type="checkbox" checked=${chosen.includes(c.value)} onChange=${() => toggle(f.param, c.value)} />
                      <span class="facet-value">${label(f.facet, c.value)}</span> <span class="count">(${c.count})</span>
                    </label>`)}
                </fieldset>`
            })}
            <label class="check">
              <input type="checkbox" checked=${asked.includeExpired} onChange=${() => run({ ...asked, includeExpired: !asked.includeExpired }, [null])} />
              ${t('search.includeExpired')}
            </label>
          </details>
        </aside>`}
        <div class="results-area">
          ${!asked && html`<p class="muted">${t('search.empty')}</p>`}
          ${asked?.moreLikeThis && html`<p class="context">${t('search.moreLikeThisOf', { title: asked.moreLikeThis.title })}</p>`}
          <${ErrorMessage} error=${error} />
          ${response && response.semanticMatching === false && html`<p class="notice">${t('common.lexicalOnly')}${response.notice ? ` (${response.notice})` : ''}</p>`}
          <${Status}>${busy ? t('common.loading') : asked && response ? (results.length === 0 ? t('common.none') : t('common.resultsRange', { from, to: from + results.length - 1 })) : ''}</${Status}>
          <ol class="results" start=${from}>
            ${results.map((r) => html`
              <li class="result" data-kind=${r.kind} data-id=${r.id}>
                <article aria-labelledby=${`hit-${r.kind}-${r.id}`}>
                  <div class="result-head">
                    <span class="badge">${t(`kind1.${r.kind}` as MessageKey)}</span>
                    <h2 class="result-title" id=${`hit-${r.kind}-${r.id}`}>${markWords(r.title, markedWords(r.highlights.title))}</h2>
                    <span class="score">${t('common.score', { score: number(r.score, 3) })}</span>
                  </div>
                  <p class="facts">${facts(r.fields, t, country).join(' · ')}</p>
                  ${['text', 'competencies_text'].map((f) => r.highlights[f] && html`<p class="snippet">${highlighted(r.highlights[f] as string)}</p>`)}
                  ${!r.highlights.text && !r.highlights.competencies_text && typeof r.fields.text === 'string' && html`<p class="snippet">${clip(r.fields.text)}</p>`}
                  <div class="actions">
                    <button type="button" class="link" onClick=${() => run({ q: '', tab: asked?.tab ?? tab, filters: {}, includeExpired: asked?.includeExpired ?? false, moreLikeThis: { ref: `${r.kind}:${r.id}`, title: r.title } }, [null])}>${t('search.moreLikeThis')}</button>
                    ${r.kind === 'organizations' && html`<a href=${href('match', { org: r.id })}>${t('search.findPartners')}</a>`}
                    ${r.kind === 'people' && html`<a href=${href('recommend', { person: r.id })}>${t('search.recommend')}</a>`}
                    ${r.kind === 'proposals' && html`<a href=${href('recommend', { proposal: r.id })}>${t('search.candidates')}</a>`}
                  </div>
                </article>
              </li>`)}
          </ol>
          ${asked && html`<${Pager} page=${page} hasNext=${Boolean(response?.nextCursor)} busy=${busy}
            onPrevious=${() => run(asked, cursors.slice(0, -1))}
            onNext=${() => { if (response?.nextCursor) run(asked, [...cursors, response.nextCursor]) }} />`}
        </div>
      </div>
    </section>`
}

function clip (s: string, n = 220): string {
  return s.length > n ? s.slice(0, s.lastIndexOf(' ', n) > 0 ? s.lastIndexOf(' ', n) : n) + '…' : s
}

function facts (f: Record<string, unknown>, t: Translate, country: (c: string) => string): string[] {
  const s = (v: unknown) => typeof v === 'string' && v ? v : null
  const named = (v: string | null) => v ? maybe(t, `value.${v}`, v) : null
  const deadline = s(f.deadline)
  return [
    named(s(f.org_kind)),
    named(s(f.type)),
    named(s(f.status)),
    s(f.country) ? country(f.country as string) : null,
    s(f.region),
    deadline ? `${t('field.deadline')}: ${deadline.slice(0, 10)}` : null
  ].filter((x): x is string => x !== null)
}
