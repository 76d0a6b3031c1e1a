import { useState } from 'preact/hooks'
import type { Scope } from '../../../client/index.ts'
import { html } from '../html.ts'
import { maybe, useI18n, type MessageKey, type Translate } from '../i18n.ts'
import { api } from '../session.ts'
import { Status, ViewTitle, isAbort, useLatest } from '../components/common.ts'
import { errorText } from '../error-text.ts'
import { ApiError } from '../../../client/index.ts'
import { Typeahead, type Picked } from '../components/typeahead.ts'
import { ConceptInput, type Phrase } from '../components/concept-input.ts'
import { Reasons } from '../components/explanation.ts'
import { IndexingNotice } from '../components/indexing-notice.ts'

// POST /v1/match/consortium (src/routes/match-consortium.ts): the request and the answer as the
// console reads them. The generated client has no method for this route yet: it is called through
// the client's generic request, with the client's key and error handling.
type SeekerBy = 'org' | 'proposal' | 'text'
const KINDS = ['university', 'research_centre', 'company', 'public_body', 'association', 'other'] as const

interface RuleSet { minCountries?: number, minEuCountries?: number, requiredKinds?: Array<{ kind: string, min?: number }>, onePerGroup?: boolean }
export interface ConsortiumRequest {
  organizationId?: string
  proposalId?: string
  text?: string
  competencies?: string[]
  programme?: string
  size?: number | { min: number, max: number }
  rules?: RuleSet
  include?: string[]
  exclude?: string[]
  alternatives?: number
  explain?: boolean
}
interface Match { sought: string, matched: string, strength: string }
interface Reasons { matched?: Match[], matchedBack?: Match[], summary?: string[] }
interface Change { objective: number, coverageGained: string[], coverageLost: string[], rulesBroken: string[] }
interface Alternative { organizationId: string, name: string, country: string, kind: string, score: number, covers: string[], change: Change }
interface Member {
  organizationId: string
  name: string
  country: string
  kind: string
  role: 'seeker' | 'included' | 'proposed'
  score: number | null
  covers: string[]
  reasons?: Reasons
  gain?: { objective: number, covers: string[], countries: string[], kinds: string[], collaborations: string[] }
  alternatives?: Alternative[]
}
interface RuleReport { rule: string, required: number, actual: number, met: boolean, kind?: string, detail?: string }
export interface ConsortiumResponse {
  semanticMatching: boolean
  notice?: string
  method: 'exact' | 'greedy'
  objective: number
  bound?: number
  members: Member[]
  coverage: { sought: Array<{ competency: string, coveredBy: string[] }>, uncovered: string[], share: number }
  rules: RuleReport[]
}

interface Form {
  by: SeekerBy
  org: Picked | null
  proposal: Picked | null
  text: string
  competencies: Phrase[]
  programme: string
  size: string
  minCountries: string
  minEuCountries: string
  kinds: Record<string, string>
  onePerGroup: boolean
}

const emptyForm = (): Form => ({ by: 'org', org: null, proposal: null, text: '', competencies: [], programme: '', size: '4', minCountries: '3', minEuCountries: '', kinds: {}, onePerGroup: false })
const count = (s: string): number | null => /^\d+$/.test(s.trim()) ? Number(s.trim()) : null

/** The body for a form, or null when it lacks a seeker. */
export function consortiumRequest (f: Form): ConsortiumRequest | null {
  const competencies = f.competencies.map((p) => p.value)
  const rules: RuleSet = {}
  const minCountries = count(f.minCountries)
  const minEuCountries = count(f.minEuCountries)
  if (minCountries) rules.minCountries = minCountries
  if (minEuCountries) rules.minEuCountries = minEuCountries
  const kinds = KINDS.flatMap((k) => { const n = count(f.kinds[k] ?? ''); return n ? [{ kind: k, min: n }] : [] })
  if (kinds.length > 0) rules.requiredKinds = kinds
  if (f.onePerGroup) rules.onePerGroup = true
  const size = count(f.size)
  const common: ConsortiumRequest = {
    ...(competencies.length > 0 ? { competencies } : {}),
    ...(f.programme.trim() ? { programme: f.programme.trim() } : {}),
    ...(size ? { size } : {}),
    ...(Object.keys(rules).length > 0 ? { rules } : {}),
    alternatives: 3,
    explain: true
  }
  if (f.by === 'org') return f.org ? { organizationId: f.org.id, ...common } : null
  if (f.by === 'proposal') return f.proposal ? { proposalId: f.proposal.id, ...common } : null
  return f.text.trim().length >= 3 ? { text: f.text.trim(), ...common } : null
}

/** What a swap did, as the service recomputed it: the coverage and rules before and after. */
type Role = Member['role'] | 'swapped'
interface Swap { out: string, in: string, inId: string, before: { share: number, uncovered: string[], unmet: string[] }, stated: Change }

const unmetRules = (r: ConsortiumResponse) => r.rules.filter((x) => !x.met).map((x) => x.rule + (x.kind ? `:${x.kind}` : ''))

export function ConsortiumView ({ focus, scope }: { params: URLSearchParams, focus: boolean, scope: Scope | null }) {
  const { t, number } = useI18n()
  const [form, setForm] = useState<Form>(emptyForm)
  const [hint, setHint] = useState('')
  const [asked, setAsked] = useState<ConsortiumRequest | null>(null)
  const [response, setResponse] = useState<ConsortiumResponse | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const [swaps, setSwaps] = useState<Swap[]>([])
  // The team as first proposed (its request and answer): a swap starts from it, and the page goes back to it.
  const [proposed, setProposed] = useState<{ body: ConsortiumRequest, response: ConsortiumResponse } | null>(null)
  const latest = useLatest()
  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch })

  const send = (body: ConsortiumRequest, then: (r: ConsortiumResponse) => void) => {
    setAsked(body)
    setBusy(true)
    setError(null)
    latest((signal) => api.request<ConsortiumResponse>('POST', '/v1/match/consortium', { body, signal }))
      .then((r) => { then(r); setResponse(r); setBusy(false) })
      // A refused request leaves no team on the page: the one shown before would read as its answer.
      .catch((err) => { if (!isAbort(err)) { setError(err); setResponse(null); setSwaps([]); setBusy(false) } })
  }

  const run = () => {
    const body = consortiumRequest(form)
    if (!body) { setHint(t('consortium.needSeeker')); return }
    setHint('')
    send(body, (r) => { setSwaps([]); setProposed({ body, response: r }) })
  }
  const reset = () => {
    if (!proposed) return
    setSwaps([])
    setAsked(proposed.body)
    setResponse(proposed.response)
    setError(null)
  }

  // A swap asks the service again: every member kept is included, the one swapped out excluded and
  // the alternative included, so the team is exactly the swapped one, and its coverage and rules are
  // the service's own account of it, not a sum made in the page. The service states alternatives for
  // the members it proposed, not for those a request includes: after a swap the page offers no more
  // swaps until it goes back to the proposed team.
  const swap = (out: Member, alt: Alternative) => {
    if (!asked || !response) return
    const keep = response.members.filter((m) => m.role !== 'seeker' && m.organizationId !== out.organizationId).map((m) => m.organizationId)
    const exclude = [...new Set([...(asked.exclude ?? []), out.organizationId])].filter((id) => id !== alt.organizationId)
    const before = { share: response.coverage.share, uncovered: response.coverage.uncovered, unmet: unmetRules(response) }
    send({ ...asked, include: [...keep, alt.organizationId], exclude }, () => setSwaps([...swaps, { out: out.name, in: alt.name, inId: alt.organizationId, before, stated: alt.change }]))
  }
  /** The role to show: the service's, except that a member it proposed stays "proposed" when a swap fixed it. */
  const roleOf = (m: Member): Role => {
    if (swaps.some((x) => x.inId === m.organizationId)) return 'swapped'
    if (m.role === 'included' && proposed?.response.members.some((p) => p.organizationId === m.organizationId && p.role === 'proposed')) return 'proposed'
    return m.role
  }

  const members = response?.members ?? []
  const nameOf = new Map(members.map((m) => [m.organizationId, m.name]))
  const lastSwap = swaps[swaps.length - 1]
  return html`
    <section class="view consortium-view">
      <${ViewTitle} focus=${focus}>${t('consortium.title')}</${ViewTitle}>
      <p class="intro muted">${t('consortium.intro')}</p>
      <${IndexingNotice} scope=${scope} />
      <form class="panel" onSubmit=${(e: Event) => { e.preventDefault(); run() }}>
        <fieldset class="choice">
          <legend>${t('match.seeker')}</legend>
          ${(['org', 'proposal', 'text'] as const).map((by) => html`
            <label class="check"><input type="radio" name="consortium-by" checked=${form.by === by} onChange=${() => set({ by })} /> ${t(`consortium.seeker.${by}`)}</label>`)}
        </fieldset>
        ${form.by === 'org' && html`<${Typeahead} kind="organizations" label=${t('match.org')} value=${form.org} onChange=${(org: Picked | null) => set({ org })} />`}
        ${form.by === 'proposal' && html`<${Typeahead} kind="proposals" label=${t('consortium.proposal')} value=${form.proposal} onChange=${(proposal: Picked | null) => set({ proposal })} />`}
        ${form.by === 'text' && html`
          <div class="field">
            <label for="consortium-text">${t('consortium.text')}</label>
            <textarea id="consortium-text" rows="3" value=${form.text} onInput=${(e: Event) => set({ text: (e.target as HTMLTextAreaElement).value })}></textarea>
          </div>`}
        <${ConceptInput} label=${t(form.by === 'text' ? 'match.competencies' : 'consortium.competenciesMore')} value=${form.competencies} onChange=${(competencies: Phrase[]) => set({ competencies })} />
        <div class="field limited">
          <label for="consortium-programme">${t('match.programme')}</label>
          <input id="consortium-programme" type="text" value=${form.programme} onInput=${(e: Event) => set({ programme: (e.target as HTMLInputElement).value })} />
        </div>
        <fieldset class="rules-form">
          <legend>${t('consortium.rules')}</legend>
          <div class="field-row">
            ${numberField('consortium-size', t('consortium.size'), form.size, (size) => set({ size }), 2)}
            ${numberField('consortium-countries', t('consortium.minCountries'), form.minCountries, (minCountries) => set({ minCountries }))}
            ${numberField('consortium-eu', t('consortium.minEuCountries'), form.minEuCountries, (minEuCountries) => set({ minEuCountries }))}
          </div>
          <fieldset class="kinds-form">
            <legend>${t('consortium.requiredKinds')}</legend>
            <div class="field-row">
              ${KINDS.map((k) => numberField(`consortium-kind-${k}`, maybe(t, `value.${k}`, k), form.kinds[k] ?? '', (v) => set({ kinds: { ...form.kinds, [k]: v } })))}
            </div>
          </fieldset>
          <label class="check"><input type="checkbox" checked=${form.onePerGroup} onChange=${() => set({ onePerGroup: !form.onePerGroup })} /> ${t('consortium.onePerGroup')}</label>
        </fieldset>
        <div class="field-row"><button type="submit" class="primary">${t('consortium.submit')}</button></div>
        ${hint && html`<p class="error" role="alert">${hint}</p>`}
      </form>
      ${error !== null && html`<p class="error" role="alert">${errorText(error, t)}${fieldsText(error, t)}</p>`}
      ${response && !response.semanticMatching && html`<p class="notice">${t('common.lexicalOnly')}${response.notice ? ` (${response.notice})` : ''}</p>`}
      <${Status}>${busy ? t('common.loading') : response ? t('consortium.status', { n: members.length, method: t(`consortium.method.${response.method}`) }) : ''}</${Status}>
      ${lastSwap && response && !busy && html`
        <div class="swap-bar">
          <${SwapNote} swap=${lastSwap} now=${response} t=${t} number=${number} />
          <p class="muted small">${t('consortium.afterSwap')} <button type="button" onClick=${reset}>${t('consortium.reset')}</button></p>
        </div>`}
      ${response && html`
        <div class="consortium">
          <div class="team">
            <h2>${t('consortium.team')}</h2>
            <p class="muted small">${t('consortium.objective', { objective: number(response.objective, 3) })}${response.bound !== undefined && response.method === 'greedy' ? ` · ${t('consortium.bound', { bound: number(response.bound, 3) })}` : ''}</p>
            <ol class="results members">
              ${members.map((m) => html`<${MemberCard} key=${m.organizationId} member=${m} role=${roleOf(m)} busy=${busy} names=${nameOf} onSwap=${(a: Alternative) => swap(m, a)} />`)}
            </ol>
          </div>
          <aside class="team-facts">
            <section class="card coverage" aria-labelledby="coverage-title">
              <h2 id="coverage-title">${t('consortium.coverage')}</h2>
              <p class="share"><strong>${t('consortium.share', { share: number(response.coverage.share * 100, 0) })}</strong></p>
              ${response.coverage.sought.length === 0
                ? html`<p class="muted">${t('consortium.noSought')}</p>`
                : html`<ul class="sought">
                    ${response.coverage.sought.map((s) => html`
                      <li class=${s.coveredBy.length > 0 ? 'covered' : 'uncovered'} data-competency=${s.competency}>
                        <span class="mark" aria-hidden="true">${s.coveredBy.length > 0 ? '✓' : '✗'}</span>
                        <span class="competency">${s.competency}</span>
                        <span class="by">${s.coveredBy.length > 0 ? t('consortium.coveredBy', { names: s.coveredBy.map((id) => nameOf.get(id) ?? id).join(', ') }) : t('consortium.uncovered')}</span>
                      </li>`)}
                  </ul>`}
            </section>
            <section class="card rules" aria-labelledby="rules-title">
              <h2 id="rules-title">${t('consortium.rulesResult')}</h2>
              <ul class="rule-list">
                ${response.rules.map((r) => html`
                  <li class=${r.met ? 'met' : 'unmet'} data-rule=${r.rule}>
                    <span class="mark" aria-hidden="true">${r.met ? '✓' : '✗'}</span>
                    <span>${ruleText(r, t)}</span>
                    <span class="verdict">${r.met ? t('consortium.met') : t('consortium.unmet')}</span>
                  </li>`)}
              </ul>
            </section>
          </aside>
        </div>`}
    </section>`
}

function MemberCard ({ member: m, role, busy, names, onSwap }: { member: Member, role: Role, busy: boolean, names: ReadonlyMap<string, string>, onSwap: (a: Alternative) => void }) {
  const { t, country, number } = useI18n()
  const pairs = [...(m.reasons?.matched ?? []), ...(m.reasons?.matchedBack ?? [])].map((p) => ({ mine: p.sought, theirs: p.matched, strength: p.strength }))
  const alternatives = m.alternatives ?? []
  return html`
    <li class=${`result member ${role}`} data-id=${m.organizationId} data-role=${m.role}>
      <article aria-label=${m.name}>
        <div class="result-head">
          <span class="badge">${t(`consortium.role.${role}`)}</span>
          <h3 class="result-title">${m.name}</h3>
          ${m.score !== null && m.role !== 'seeker' && html`<span class="score">${t('common.score', { score: number(m.score, 3) })}</span>`}
        </div>
        <p class="facts">${[m.kind ? maybe(t, `value.${m.kind}`, m.kind) : null, m.country ? country(m.country) : null].filter(Boolean).join(' · ')}</p>
        ${m.covers.length > 0 && html`
          <p class="covers"><span class="muted">${t('consortium.covers')}</span> ${m.covers.map((c) => html`<span class="chip matched">${c}</span> `)}</p>`}
        ${m.role !== 'seeker' && ((m.reasons?.summary?.length ?? 0) > 0 || pairs.length > 0) && html`<${Reasons} summary=${m.reasons?.summary ?? []} pairs=${pairs} />`}
        ${m.role !== 'seeker' && m.gain && html`<p class="gain">${gainText(m.gain, t, country, number, names)}</p>`}
        ${alternatives.length > 0 && html`
          <details class="alternatives">
            <summary>${t('consortium.alternatives', { n: alternatives.length })}</summary>
            <ul>
              ${alternatives.map((a) => html`
                <li data-id=${a.organizationId}>
                  <div>
                    <strong>${a.name}</strong>
                    <span class="muted"> · ${[a.kind ? maybe(t, `value.${a.kind}`, a.kind) : null, a.country ? country(a.country) : null].filter(Boolean).join(' · ')}</span>
                  </div>
                  <div class="change">${changeText(a.change, t, number)}</div>
                  <button type="button" disabled=${busy} onClick=${() => onSwap(a)}>${t('consortium.swap', { name: a.name })}</button>
                </li>`)}
            </ul>
          </details>`}
      </article>
    </li>`
}

/**
 * What the member adds to the team, as the service accounts it (`gain`, against the members listed
 * before it): the competencies no earlier member covers, a new country, a new kind, past projects
 * with earlier members. A member with no stated reason is there for these.
 */
function gainText (g: NonNullable<Member['gain']>, t: Translate, country: (c: string) => string, number: (n: number, d?: number) => string, names: ReadonlyMap<string, string>): string {
  const parts: string[] = []
  if (g.covers.length > 0) parts.push(t('consortium.gain.covers', { list: g.covers.join(', ') }))
  if (g.countries.length > 0) parts.push(t('consortium.gain.country', { list: g.countries.map(country).join(', ') }))
  if (g.kinds.length > 0) parts.push(t('consortium.gain.kind', { list: g.kinds.map((k) => maybe(t, `value.${k}`, k)).join(', ') }))
  if (g.collaborations.length > 0) parts.push(t('consortium.gain.collaborations', { list: g.collaborations.map((id) => names.get(id) ?? id).join(', ') }))
  const value = t('consortium.gain.objective', { delta: `${g.objective >= 0 ? '+' : ''}${number(g.objective, 3)}` })
  return parts.length > 0 ? `${t('consortium.gain.adds')} ${parts.join('; ')} (${value}).` : `${t('consortium.gain.nothing')} (${value}).`
}

/** The form's own words for the fields a refused request names (body.rules.minCountries → its label). */
const FIELD_LABELS: Record<string, MessageKey> = {
  'body.size': 'consortium.size',
  'body.rules.minCountries': 'consortium.minCountries',
  'body.rules.minEuCountries': 'consortium.minEuCountries',
  'body.rules.requiredKinds': 'consortium.requiredKinds',
  'body.rules.onePerGroup': 'consortium.onePerGroup',
  'body.include': 'consortium.team',
  'body.competencies': 'match.competencies',
  'body.text': 'consortium.text',
  'body.programme': 'match.programme'
}

function fieldsText (error: unknown, t: Translate): string {
  if (!(error instanceof ApiError)) return ''
  const labels = [...new Set(error.problems.map((p) => FIELD_LABELS[p.field.replace(/\/.*$/, '')]).filter((k): k is MessageKey => k !== undefined).map((k) => t(k)))]
  return labels.length > 0 ? ` ${t('consortium.fields', { fields: labels.map((l) => `«${l}»`).join(', ') })}` : ''
}

function numberField (id: string, label: string, value: string, onChange: (v: string) => void, min = 0) {
  return html`
    <div class="field narrow">
      <label for=${id}>${label}</label>
      <input id=${id} type="number" inputmode="numeric" min=${min} max="50" step="1" class="small-number" value=${value}
        onInput=${(e: Event) => onChange((e.target as HTMLInputElement).value)} />
    </div>`
}

function ruleText (r: RuleReport, t: Translate): string {
  const kind = r.kind ? maybe(t, `value.${r.kind}`, r.kind) : ''
  return maybe(t, `consortium.rule.${r.rule}`, r.rule).replace('{required}', String(r.required)).replace('{actual}', String(r.actual)).replace('{kind}', kind)
}

function changeText (c: Change, t: Translate, number: (n: number, d?: number) => string): string {
  const parts = [t('consortium.change.objective', { delta: `${c.objective >= 0 ? '+' : ''}${number(c.objective, 3)}` })]
  if (c.coverageGained.length > 0) parts.push(t('consortium.change.gained', { list: c.coverageGained.join(', ') }))
  if (c.coverageLost.length > 0) parts.push(t('consortium.change.lost', { list: c.coverageLost.join(', ') }))
  if (c.rulesBroken.length > 0) parts.push(t('consortium.change.broken', { list: c.rulesBroken.map((r) => brokenName(r, t)).join(', ') }))
  return parts.join(' · ')
}

/** A rule a swap would break: its name, or the kind for `requiredKind:<kind>`. */
function brokenName (rule: string, t: Translate): string {
  const [name = rule, kind] = rule.split(':')
  return kind ? `${maybe(t, `consortium.ruleName.${name}`, name)} (${maybe(t, `value.${kind}`, kind)})` : maybe(t, `consortium.ruleName.${name}`, name)
}

function SwapNote ({ swap, now, t, number }: { swap: Swap, now: ConsortiumResponse, t: Translate, number: (n: number, d?: number) => string }) {
  const gained = swap.before.uncovered.filter((c) => !now.coverage.uncovered.includes(c))
  const lost = now.coverage.uncovered.filter((c) => !swap.before.uncovered.includes(c))
  return html`
    <p class="notice swap-note" role="status">
      ${t('consortium.swapped', { out: swap.out, in: swap.in, before: number(swap.before.share * 100, 0), after: number(now.coverage.share * 100, 0) })}
      ${gained.length > 0 ? ` ${t('consortium.note.gained', { list: gained.join(', ') })}` : ''}
      ${lost.length > 0 ? ` ${t('consortium.note.lost', { list: lost.join(', ') })}` : ''}
    </p>`
}
