import { useEffect, useMemo, useState } from 'preact/hooks'
import type { PartnerMatchResponse, RankerState, Scope } from '../../../client/index.ts'
import { html } from '../html.ts'
import { maybe, useI18n } from '../i18n.ts'
import { appliedWeights, rerank, sameWeights, type WeightTable } from '../rerank.ts'
import { allows, api } from '../session.ts'
import { ErrorMessage, Status, ViewTitle, isAbort, useLatest } from '../components/common.ts'
import { SeekerFields, emptySeeker, matchRequest, type Seeker } from '../components/seeker.ts'

/** Results fetched with their features: the pool the page re-ranks. */
const POOL = 50
const TOP = 10

interface Preset { id: string, label: string, weights: WeightTable, version?: number }

/**
 * Weights changed in the page, the ranking they give beside the current one. Re-ranked here from
 * `explain` (the API takes no weights per request); saving is only what the ranker API offers:
 * an admin can activate a stored version whose weights these are.
 */
export function TuningView ({ focus, scope }: { focus: boolean, scope: Scope | null }) {
  const { t, number } = useI18n()
  const [seeker, setSeeker] = useState<Seeker>(() => emptySeeker())
  const [response, setResponse] = useState<PartnerMatchResponse | null>(null)
  const [ranker, setRanker] = useState<RankerState | null>(null)
  const [weights, setWeights] = useState<WeightTable>({})
  const [preset, setPreset] = useState('current')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const [hint, setHint] = useState('')
  const [message, setMessage] = useState('')
  const latest = useLatest()
  const admin = allows(scope, 'admin')

  const loadRanker = () => { if (admin) api.ranker().then(setRanker).catch(setError) }
  useEffect(loadRanker, [admin])

  const results = response?.results ?? []
  const current = useMemo(() => appliedWeights(results), [response])
  const presets: Preset[] = [
    { id: 'current', label: t('tune.start.current'), weights: current },
    ...(ranker ? [{ id: 'hand-set', label: t('tune.start.handSet'), weights: ranker.handSet }] : []),
    ...(ranker?.versions ?? []).map((v) => ({ id: `v${v.version}`, label: t('tune.start.version', { version: v.version }), weights: v.weights, version: v.version }))
  ]

  const run = (e: Event) => {
    e.preventDefault()
    const body = matchRequest(seeker, { limit: POOL, explain: true })
    if (!body) { setHint(t('match.needSeeker')); return }
    setHint('')
    setBusy(true)
    setError(null)
    latest((signal) => api.matchPartners(body, signal))
      .then((res) => {
        setResponse(res)
        setWeights(appliedWeights(res.results))
        setPreset('current')
        setBusy(false)
      })
      .catch((err) => { if (!isAbort(err)) { setError(err); setBusy(false) } })
  }

  const choosePreset = (id: string) => {
    setPreset(id)
    const p = presets.find((x) => x.id === id)
    if (p) setWeights(Object.fromEntries(Object.keys(current).map((f) => [f, p.weights[f] ?? 0])))
  }

  const features = Object.keys(current)
  // The weights in force give the service's own order (re-computing it could swap near-ties on rounding).
  const tuned = useMemo(() => sameWeights(weights, current)
    ? results.map((result, before) => ({ result, score: result.score, before }))
    : rerank(results, weights), [response, weights])
  const before = new Map(results.map((r, i) => [r.id, i]))
  const top = Math.min(TOP, results.length)
  const changed = tuned.slice(0, top).filter((r, i) => r.before !== i).length
  const min = Math.min(0, ...Object.values(weights), ...Object.values(current))
  const matching = presets.find((p) => p.version !== undefined && sameWeights(p.weights, weights))
  const activeVersion = ranker?.active?.version
  const exportJson = JSON.stringify(Object.fromEntries(Object.entries(weights).map(([f, w]) => [f, Math.max(0, Math.round(w * 1e4) / 1e4)])))

  const activate = async (version: number) => {
    if (!window.confirm(t('ops.confirmActivate', { version }))) return
    try {
      await api.activateRanker(version)
      setMessage(t('ops.done'))
      loadRanker()
    } catch (err) { setError(err) }
  }

  const name = (f: string) => maybe(t, `feature.${f}`, f.replace(/_/g, ' '))
  const movement = (now: number, was: number | undefined) => {
    if (was === undefined || was >= top) return { mark: '★', text: t('tune.moved.new', { n: top }), cls: 'new' }
    if (was > now) return { mark: '▲', text: t('tune.moved.up', { n: was - now }), cls: 'up' }
    if (was < now) return { mark: '▼', text: t('tune.moved.down', { n: now - was }), cls: 'down' }
    return { mark: '=', text: t('tune.moved.same'), cls: 'same' }
  }

  return html`
    <section class="view tuning-view">
      <${ViewTitle} focus=${focus}>${t('tune.title')}</${ViewTitle}>
      <p class="intro">${t('tune.intro', { pool: POOL })}</p>
      <form class="panel" onSubmit=${run}>
        <${SeekerFields} value=${seeker} onChange=${setSeeker} idPrefix="tune" />
        <div class="field-row"><button type="submit" class="primary">${t('tune.run')}</button></div>
        ${hint && html`<p class="error" role="alert">${hint}</p>`}
      </form>
      <${ErrorMessage} error=${error} />
      <${Status}>${busy ? t('common.loading') : response ? (results.length === 0 ? t('common.none') : t('tune.changed', { n: changed, top })) : ''}</${Status}>
      ${results.length > 0 && html`
        <div class="tuning">
          <section class="card weights" aria-labelledby="tune-weights">
            <h2 id="tune-weights">${t('tune.weights')}</h2>
            <div class="field">
              <label for="tune-preset">${t('tune.start')}</label>
              <div class="inline">
                <select id="tune-preset" value=${preset} onChange=${(e: Event) => choosePreset((e.target as HTMLSelectElement).value)}>
                  ${presets.map((p) => html`<option value=${p.id}>${p.label}</option>`)}
                </select>
                <button type="button" onClick=${() => choosePreset(preset)}>${t('tune.reset')}</button>
              </div>
            </div>
            <ul class="sliders">
              ${features.map((f) => html`
                <li>
                  <label for=${`w-${f}`}>${name(f)}</label>
                  <input id=${`w-${f}`} type="range" min=${String(min < 0 ? -1 : 0)} max="1" step="0.01" value=${String(weights[f] ?? 0)}
                    data-feature=${f}
                    onInput=${(e: Event) => setWeights({ ...weights, [f]: Number((e.target as HTMLInputElement).value) })} />
                  <output for=${`w-${f}`}>${number(weights[f] ?? 0, 2)}</output>
                </li>`)}
            </ul>
            <details>
              <summary>${t('tune.export')}</summary>
              <pre class="export"><code>RANKING_WEIGHTS='${exportJson}'</code></pre>
            </details>
            <p class="muted">${t('tune.saveNote')}</p>
            ${admin && matching?.version !== undefined && matching.version !== activeVersion && html`
              <button type="button" onClick=${() => activate(matching.version as number)}>${t('tune.activateVersion', { version: matching.version })}</button>`}
            <p role="status" class="muted">${message}</p>
          </section>
          <section class="card" aria-labelledby="tune-current">
            <h2 id="tune-current">${t('tune.current')}</h2>
            <ol class="ranking current">
              ${results.slice(0, top).map((r) => html`<li data-id=${r.id}><span class="name">${r.name}</span> <span class="score">${number(r.score, 4)}</span></li>`)}
            </ol>
          </section>
          <section class="card" aria-labelledby="tune-tuned">
            <h2 id="tune-tuned">${t('tune.tuned')}</h2>
            <ol class="ranking tuned">
              ${tuned.slice(0, top).map((r, i) => {
                const m = movement(i, before.get(r.result.id))
                return html`<li data-id=${r.result.id} class=${m.cls}>
                  <span class="name">${r.result.name}</span> <span class="score">${number(r.score, 4)}</span>
                  <span class="move"><span aria-hidden="true">${m.mark}</span> ${m.text}</span>
                </li>`
              })}
            </ol>
          </section>
        </div>`}
    </section>`
}
