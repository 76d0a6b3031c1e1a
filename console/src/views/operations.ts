import { useEffect, useState } from 'preact/hooks'
import type { RankerState, StatusResponse } from '../../../client/index.ts'
import { html } from '../html.ts'
import { useI18n, type MessageKey, type Translate } from '../i18n.ts'
import { api } from '../session.ts'
import { ErrorMessage, Status, ViewTitle } from '../components/common.ts'

const EVERY_MS = 5000

interface Metrics { nDCG10: number, nDCG10StdErr: number, recall10: number, recall10StdErr: number }
interface Validation { queries: number, handSet: Metrics, trained: Metrics, pairedDiff: { nDCG10: number, stdErr: number } }
interface TrainingData { outcomeProjects?: number, pairs?: number, feedbackEvents?: number }

/** Sync state, queue, model, vector cache and the partner ranker (admin), refreshed every 5 s unless paused. */
export function OperationsView ({ focus, keyRequired }: { focus: boolean, keyRequired: boolean }) {
  const { t, number } = useI18n()
  const [status, setStatus] = useState<StatusResponse | null>(null)
  const [ranker, setRanker] = useState<RankerState | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [updated, setUpdated] = useState<Date | null>(null)
  const [auto, setAuto] = useState(true)
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState('')

  const load = async () => {
    try {
      const [s, r] = await Promise.all([api.status(), api.ranker()])
      setStatus(s)
      setRanker(r)
      setError(null)
      setUpdated(new Date())
    } catch (err) {
      setError(err)
    }
  }
  useEffect(() => { load() }, [])
  useEffect(() => {
    if (!auto) return
    const timer = setInterval(() => { if (!document.hidden) load() }, EVERY_MS)
    return () => clearInterval(timer)
  }, [auto])

  const act = async (question: string, action: () => Promise<unknown>) => {
    if (!window.confirm(question)) return
    setBusy(true)
    setMessage('')
    try {
      await action()
      setMessage(t('ops.done'))
      await load()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  const kinds = status?.kinds ?? []
  const rows = kinds.reduce((s, k) => s + k.rows, 0)
  const indexed = kinds.reduce((s, k) => s + Math.min(k.documents ?? 0, k.rows), 0)
  const pending = kinds.reduce((s, k) => s + k.pendingOutbox, 0)
  const running = pending > 0 || (status?.queue.active ?? 0) > 0 || (status?.queue.waiting ?? 0) > 0 || kinds.some((k) => !k.inSync)
  const pct = (done: number, total: number) => total === 0 ? 100 : Math.floor(done / total * 100)
  const time = updated ? updated.toLocaleTimeString() : ''
  const active = ranker?.active ?? null
  const report = (active?.report ?? {}) as { validation?: Validation | null, data?: TrainingData }
  const validation = report.validation ?? null

  return html`
    <section class="view operations-view">
      <${ViewTitle} focus=${focus}>${t('ops.title')}</${ViewTitle}>
      <div class="toolbar">
        <label class="check"><input type="checkbox" checked=${auto} onChange=${() => setAuto(!auto)} /> ${t('ops.autoRefresh')}</label>
        <button type="button" onClick=${() => load()}>${t('ops.refresh')}</button>
        <span class="muted" aria-live="off">${time && t('ops.updated', { time })}</span>
      </div>
      <${ErrorMessage} error=${error} />
      ${!status && !error && html`<${Status}>${t('common.loading')}</${Status}>`}
      ${status && html`
        <div class="cards">
          <section class="card" aria-labelledby="ops-services">
            <h2 id="ops-services">${t('ops.services')}</h2>
            <dl class="facts-list">
              <dt>${t('ops.store')}</dt><dd>${status.store}</dd>
              <dt>${t('ops.index')}</dt><dd>${status.searchIndex}</dd>
              <dt>${t('ops.model')}</dt><dd data-testid="model">${status.model ?? t('ops.noModel')}</dd>
              <dt>${t('ops.semantic')}</dt><dd>${status.semanticMatching ? t('common.yes') : t('common.no')}</dd>
              <dt>${t('ops.keys')}</dt><dd data-testid="keys">${keyRequired ? t('ops.keys.required') : t('ops.keys.open')}</dd>
            </dl>
          </section>
          <section class="card" aria-labelledby="ops-queue">
            <h2 id="ops-queue">${t('ops.queue')} <span class="muted">(${status.queue.adapter})</span></h2>
            ${!status.queue.available && html`<p class="bad" data-testid="queue-unavailable">${t('ops.queueUnavailable', { reason: status.queue.reason ?? '' })}</p>`}
            <dl class="numbers">
              <div><dt>${t('ops.waiting')}</dt><dd>${status.queue.waiting ?? '—'}</dd></div>
              <div><dt>${t('ops.active')}</dt><dd>${status.queue.active ?? '—'}</dd></div>
              <div><dt>${t('ops.delayed')}</dt><dd>${status.queue.delayed ?? '—'}</dd></div>
              <div class=${(status.queue.failed ?? 0) > 0 ? 'bad' : ''}><dt>${t('ops.failed')}</dt><dd>${status.queue.failed ?? '—'}</dd></div>
            </dl>
          </section>
          <section class="card" aria-labelledby="ops-vectors">
            <h2 id="ops-vectors">${t('ops.vectors')}</h2>
            <dl class="facts-list">
              <dt>${t('ops.memoryHits')}</dt><dd>${status.vectorCache.memoryHits}</dd>
              <dt>${t('ops.storeReads')}</dt><dd>${status.vectorCache.storeReads}</dd>
              <dt>${t('ops.inMemory')}</dt><dd>${status.vectorCache.vectorsInMemory} (${number(status.vectorCache.megabytesInMemory, 1)} MB)</dd>
            </dl>
            <p class="muted" data-testid="warmup">${warmupText(status, t, number)}</p>
          </section>
        </div>

        <section class="card wide" aria-labelledby="ops-progress">
          <h2 id="ops-progress">${t('ops.progress')}</h2>
          <p data-testid="progress">${running ? t('ops.progressRunning', { done: indexed, total: rows, pct: pct(indexed, rows), pending }) : t('ops.progressIdle')}</p>
          <progress max=${String(Math.max(rows, 1))} value=${String(indexed)} aria-label=${t('ops.progress')}></progress>
        </section>

        <section class="card wide" aria-labelledby="ops-sync">
          <h2 id="ops-sync">${t('ops.sync')}</h2>
          <div class="table-scroll">
            <table class="sync">
              <thead><tr><th scope="col">${t('ops.kind')}</th><th scope="col">${t('ops.rows')}</th><th scope="col">${t('ops.documents')}</th><th scope="col">${t('ops.pending')}</th><th scope="col">${t('ops.state')}</th></tr></thead>
              <tbody>
                ${kinds.map((k) => html`
                  <tr data-kind=${k.kind}>
                    <th scope="row">${t(`kind.${k.kind}` as MessageKey)}</th>
                    <td>${k.rows}</td>
                    <td>${k.documents ?? '—'}</td>
                    <td>${k.pendingOutbox}</td>
                    <td class=${k.inSync ? 'good' : 'warn'}>
                      ${k.documents === null ? t('ops.unreachable') : k.inSync ? `✓ ${t('ops.inSync')}` : html`${t('ops.behind', { pct: pct(Math.min(k.documents, k.rows), k.rows) })} <progress max=${String(Math.max(k.rows, 1))} value=${String(Math.min(k.documents, k.rows))}></progress>`}
                    </td>
                  </tr>`)}
              </tbody>
            </table>
          </div>
        </section>

        <section class="card wide" aria-labelledby="ops-failed">
          <h2 id="ops-failed">${t('ops.failedJobs')}</h2>
          ${status.failedJobs.length === 0
            ? html`<p class="muted">${status.queue.available ? t('ops.noFailedJobs') : '—'}</p>`
            : html`<div class="table-scroll"><table>
                <thead><tr><th scope="col">${t('ops.job')}</th><th scope="col">${t('ops.reason')}</th><th scope="col">${t('ops.attempts')}</th><th scope="col">${t('ops.when')}</th></tr></thead>
                <tbody>${status.failedJobs.map((j) => html`<tr><td>${j.name}</td><td>${j.reason}</td><td>${j.attempts}</td><td>${j.failedAt}</td></tr>`)}</tbody>
              </table></div>`}
          ${status.failing.records > 0 && html`
            <p class="bad">${t('ops.failing', { n: status.failing.records })}</p>
            <ul>${status.failing.recent.map((f) => html`<li><code>${f.kind}/${f.id}</code> (${f.attempts}): ${f.error}</li>`)}</ul>`}
        </section>
      `}

      ${ranker && html`
        <section class="card wide" aria-labelledby="ops-ranker">
          <h2 id="ops-ranker">${t('ops.ranker')}</h2>
          <p data-testid="ranker-source">${active ? t('ops.source.model', { version: active.version, date: active.trainedAt.slice(0, 10) }) : t('ops.source.handSet')}</p>
          ${active && html`
            <h3>${t('ops.metrics')}</h3>
            ${validation
              ? html`
                <div class="table-scroll"><table class="metrics">
                  <thead><tr><th scope="col">${t('ops.method')}</th><th scope="col">nDCG@10</th><th scope="col">Recall@10</th></tr></thead>
                  <tbody>
                    <tr><th scope="row">${t('ops.trained')}</th><td>${number(validation.trained.nDCG10, 4)} ± ${number(validation.trained.nDCG10StdErr, 4)}</td><td>${number(validation.trained.recall10, 4)} ± ${number(validation.trained.recall10StdErr, 4)}</td></tr>
                    <tr><th scope="row">${t('ops.handSet')}</th><td>${number(validation.handSet.nDCG10, 4)} ± ${number(validation.handSet.nDCG10StdErr, 4)}</td><td>${number(validation.handSet.recall10, 4)} ± ${number(validation.handSet.recall10StdErr, 4)}</td></tr>
                  </tbody>
                </table></div>
                <p>${t('ops.pairedDiff', { diff: number(validation.pairedDiff.nDCG10, 4), err: number(validation.pairedDiff.stdErr, 4), n: validation.queries })}</p>`
              : html`<p class="muted">${t('ops.noMetrics')}</p>`}
            ${report.data && html`<p class="muted">${t('ops.trainingData', { outcomes: report.data.outcomeProjects ?? 0, pairs: report.data.pairs ?? 0, events: report.data.feedbackEvents ?? 0 })}</p>`}`}
          <h3>${t('ops.versions')}</h3>
          ${ranker.versions.length === 0 && html`<p class="muted">${t('ops.noVersions')}</p>`}
          ${ranker.versions.length > 0 && html`
            <div class="table-scroll"><table class="versions">
              <thead><tr><th scope="col">${t('ops.version')}</th><th scope="col">${t('ops.trainedAt')}</th><th scope="col">nDCG@10</th><th scope="col"><span class="visually-hidden">${t('ops.state')}</span></th></tr></thead>
              <tbody>
                ${ranker.versions.map((v) => {
                  const vv = (v.report as { validation?: Validation | null }).validation
                  return html`<tr>
                    <th scope="row">${v.version}</th>
                    <td>${v.trainedAt.slice(0, 16).replace('T', ' ')}</td>
                    <td>${vv ? number(vv.trained.nDCG10, 4) : '—'}</td>
                    <td>${v.active
                      ? html`<strong>${t('ops.activeMark')}</strong>`
                      : html`<button type="button" disabled=${busy} onClick=${() => act(t('ops.confirmActivate', { version: v.version }), () => api.activateRanker(v.version))}>${t('ops.activate', { version: v.version })}</button>`}</td>
                  </tr>`
                })}
              </tbody>
            </table></div>`}
          <div class="actions">
            ${active && html`<button type="button" disabled=${busy} onClick=${() => act(t('ops.confirmDeactivate'), () => api.useHandSetWeights())}>${t('ops.deactivate')}</button>`}
            <button type="button" disabled=${busy} onClick=${() => act(t('ops.confirmTrain'), () => api.trainRanker({ activate: true }))}>${busy ? t('ops.training') : t('ops.train')}</button>
          </div>
          <p role="status" class="muted">${message}</p>
        </section>`}
    </section>`
}

/** The start-up warm-up in a sentence: while it waits, for what (the model, or indexing, which computes the vectors); once done, what it read. */
function warmupText (status: StatusResponse, t: Translate, number: (n: number, digits?: number) => string): string {
  const w = status.vectorCache.warmup
  if (w.state === 'waiting') return t(status.semanticMatching ? 'ops.warmup.waitingIndex' : 'ops.warmup.waitingModel')
  if (w.state !== 'done') return t(`ops.warmup.${w.state}`)
  return t('ops.warmup.done', { vectors: number(w.vectors, 0), records: number(w.records, 0), ms: number(w.ms, 0) })
}
