import { useEffect, useState } from 'preact/hooks'
import type { CandidatesQuery, CandidatesResponse, RecommendationsQuery, RecommendationsResponse, Scope } from '../../../client/index.ts'
import { html } from '../html.ts'
import { maybe, useI18n, type MessageKey } from '../i18n.ts'
import { api } from '../session.ts'
import { ErrorMessage, Pager, Status, Tabs, ViewTitle } from '../components/common.ts'
import { usePagedRequest } from '../components/paged-request.ts'
import { Compare, type Side } from '../components/compare.ts'
import type { Pair } from '../components/explanation.ts'
import { ResultCard } from '../components/result-card.ts'
import { Typeahead, type Picked } from '../components/typeahead.ts'
import { IndexingNotice } from '../components/indexing-notice.ts'

type OpportunityKind = NonNullable<RecommendationsQuery['kinds']>[number]
type CandidateType = NonNullable<CandidatesQuery['types']>[number]
const OPPORTUNITIES: OpportunityKind[] = ['proposals', 'communities', 'content']
const TYPES: CandidateType[] = ['organization', 'person']
const LIMIT = 10

interface Opened { title: string, left: Side, right: Side, pairs: Pair[], summary: string[], shared: string[] }

export function RecommendView ({ params, focus, scope }: { params: URLSearchParams, focus: boolean, scope: Scope | null }) {
  const { t } = useI18n()
  const [tab, setTab] = useState(params.get('proposal') ? 'proposal' : 'person')
  useEffect(() => { if (params.get('proposal')) setTab('proposal'); else if (params.get('person')) setTab('person') }, [params.get('proposal'), params.get('person')])
  return html`
    <section class="view recommend-view">
      <${ViewTitle} focus=${focus}>${t('rec.title')}</${ViewTitle}>
      <${IndexingNotice} scope=${scope} />
      <${Tabs} label=${t('rec.tabs')} idPrefix="rec" selected=${tab} onSelect=${setTab}
        tabs=${[{ id: 'person', label: t('rec.person') }, { id: 'proposal', label: t('rec.proposal') }]} />
      <div id="rec-panel" role="tabpanel" aria-labelledby=${`rec-tab-${tab}`}>
        ${tab === 'person' ? html`<${ForPerson} initial=${params.get('person')} />` : html`<${ForProposal} initial=${params.get('proposal')} />`}
      </div>
    </section>`
}

/** A record's name for a pre-chosen id (a link from search). */
function useInitial (kind: 'people' | 'proposals', id: string | null, then: (p: Picked) => void) {
  useEffect(() => {
    if (!id) return
    api.getRecord(kind, id).then((b) => {
      const body = b as { name?: unknown, title?: unknown }
      then({ id, name: String(body.name ?? body.title ?? id) })
    }).catch(() => then({ id, name: id }))
  }, [id])
}

function ForPerson ({ initial }: { initial: string | null }) {
  const { t, date } = useI18n()
  const [person, setPerson] = useState<Picked | null>(null)
  const [kinds, setKinds] = useState<OpportunityKind[]>(OPPORTUNITIES)
  const [excludeShown, setExcludeShown] = useState(false)
  const [hint, setHint] = useState('')
  const [open, setOpen] = useState<Opened | null>(null)
  const { asked, cursors, response, error, busy, send, cursorOf, offset } = usePagedRequest<Picked, RecommendationsResponse>(LIMIT)

  const run = (who: Picked | null, pages: Array<string | null>) => {
    if (!who) { setHint(t('rec.needPerson')); return }
    setHint('')
    const cursor = cursorOf(pages)
    send(who, pages, (signal) => api.recommendations(who.id, { kinds, limit: LIMIT, explain: true, ...(excludeShown ? { excludeShown: true } : {}), ...(cursor ? { cursor } : {}) }, signal))
  }
  useInitial('people', initial, (p) => { setPerson(p); run(p, [null]) })

  const results = response?.results ?? []
  return html`
    <form class="panel" onSubmit=${(e: Event) => { e.preventDefault(); run(person, [null]) }}>
      <${Typeahead} kind="people" label=${t('rec.personField')} value=${person} onChange=${setPerson} />
      <fieldset class="choice">
        <legend>${t('rec.kinds')}</legend>
        ${OPPORTUNITIES.map((k) => html`
          <label class="check"><input type="checkbox" checked=${kinds.includes(k)}
            onChange=${() => setKinds(kinds.includes(k) ? kinds.filter((x) => x !== k) : OPPORTUNITIES.filter((x) => x === k || kinds.includes(x)))} /> ${t(`kind.${k}`)}</label>`)}
      </fieldset>
      <div class="field-row">
        <label class="check"><input type="checkbox" checked=${excludeShown} onChange=${() => setExcludeShown(!excludeShown)} /> ${t('rec.excludeShown')}</label>
        <button type="submit" class="primary">${t('rec.submitPerson')}</button>
      </div>
      ${hint && html`<p class="error" role="alert">${hint}</p>`}
    </form>
    <${ErrorMessage} error=${error} />
    <${Status}>${busy ? t('common.loading') : response ? (results.length === 0 ? t('common.none') : t('common.resultsRange', { from: offset + 1, to: offset + results.length })) : ''}</${Status}>
    <ol class="results">
      ${results.map((r, i) => {
        const pairs = r.reasons.matchedInterests.map((m) => ({ mine: m.interest, theirs: m.matched, strength: m.strength }))
        return html`
          <${ResultCard} key=${`${r.kind}:${r.id}`} id=${r.id} rank=${offset + i + 1} title=${r.title} badge=${t(`kind1.${r.kind}` as MessageKey)}
            facts=${r.deadline ? [t('rec.deadline', { date: date(r.deadline) })] : []}
            score=${r.score} summary=${r.reasons.summary} pairs=${pairs} features=${r.features}
            onCompare=${asked ? () => setOpen({ title: `${asked.name} ↔ ${r.title}`, left: { role: t('rec.personField'), kind: 'people', id: asked.id }, right: { role: t(`kind1.${r.kind}` as MessageKey), kind: r.kind, id: r.id }, pairs, summary: r.reasons.summary, shared: r.reasons.sharedS3Areas }) : null} />`
      })}
    </ol>
    ${asked && html`<${Pager} page=${cursors.length} hasNext=${Boolean(response?.nextCursor)} busy=${busy}
      onPrevious=${() => run(asked, cursors.slice(0, -1))}
      onNext=${() => { if (response?.nextCursor) run(asked, [...cursors, response.nextCursor]) }} />`}
    ${open && html`<${Compare} ...${open} onClose=${() => setOpen(null)} />`}`
}

function ForProposal ({ initial }: { initial: string | null }) {
  const { t, country } = useI18n()
  const [proposal, setProposal] = useState<Picked | null>(null)
  const [types, setTypes] = useState<CandidateType[]>(TYPES)
  const [hint, setHint] = useState('')
  const [open, setOpen] = useState<Opened | null>(null)
  const { asked, cursors, response, error, busy, send, cursorOf, offset } = usePagedRequest<Picked, CandidatesResponse>(LIMIT)

  const run = (what: Picked | null, pages: Array<string | null>) => {
    if (!what) { setHint(t('rec.needProposal')); return }
    setHint('')
    const cursor = cursorOf(pages)
    send(what, pages, (signal) => api.candidates(what.id, { types, limit: LIMIT, explain: true, ...(cursor ? { cursor } : {}) }, signal))
  }
  useInitial('proposals', initial, (p) => { setProposal(p); run(p, [null]) })

  const results = response?.results ?? []
  return html`
    <form class="panel" onSubmit=${(e: Event) => { e.preventDefault(); run(proposal, [null]) }}>
      <${Typeahead} kind="proposals" label=${t('rec.proposalField')} value=${proposal} onChange=${setProposal} />
      <fieldset class="choice">
        <legend>${t('rec.types')}</legend>
        ${TYPES.map((k) => html`
          <label class="check"><input type="checkbox" checked=${types.includes(k)}
            onChange=${() => setTypes(types.includes(k) ? types.filter((x) => x !== k) : TYPES.filter((x) => x === k || types.includes(x)))} /> ${t(`rec.type.${k}`)}</label>`)}
      </fieldset>
      <div class="field-row"><button type="submit" class="primary">${t('rec.submitProposal')}</button></div>
      ${hint && html`<p class="error" role="alert">${hint}</p>`}
    </form>
    <${ErrorMessage} error=${error} />
    <${Status}>${busy ? t('common.loading') : response ? (results.length === 0 ? t('common.none') : t('common.resultsRange', { from: offset + 1, to: offset + results.length })) : ''}</${Status}>
    <ol class="results">
      ${results.map((c, i) => {
        const pairs = c.reasons.matched.map((m) => ({ mine: m.sought, theirs: m.matched, strength: m.strength }))
        const facts = c.type === 'organization'
          ? [maybe(t, `value.${c.kind}`, c.kind), c.country ? country(c.country) : null, c.region ?? null].filter((x): x is string => Boolean(x))
          : []
        const kind = c.type === 'organization' ? 'organizations' as const : 'people' as const
        return html`
          <${ResultCard} key=${`${c.type}:${c.id}`} id=${c.id} rank=${offset + i + 1} title=${c.name} badge=${t(`kind1.${c.type}`)}
            facts=${facts} score=${c.score} summary=${c.reasons.summary} pairs=${pairs} features=${c.features}
            onCompare=${asked ? () => setOpen({ title: `${asked.name} ↔ ${c.name}`, left: { role: t('rec.proposalField'), kind: 'proposals', id: asked.id }, right: { role: t(`kind1.${c.type}`), kind, id: c.id }, pairs, summary: c.reasons.summary, shared: c.reasons.sharedS3Areas }) : null} />`
      })}
    </ol>
    ${asked && html`<${Pager} page=${cursors.length} hasNext=${Boolean(response?.nextCursor)} busy=${busy}
      onPrevious=${() => run(asked, cursors.slice(0, -1))}
      onNext=${() => { if (response?.nextCursor) run(asked, [...cursors, response.nextCursor]) }} />`}
    ${open && html`<${Compare} ...${open} onClose=${() => setOpen(null)} />`}`
}
