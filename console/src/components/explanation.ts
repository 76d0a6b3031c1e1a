import { html } from '../html.ts'
import { maybe, useI18n } from '../i18n.ts'
import { localReason } from '../reasons.ts'

type Terms = Record<string, { value: number, weight: number, contribution: number } | undefined>

export interface Pair { mine: string, theirs: string, strength: string }

/** Reasons in words (the service's, in the page's language) and the phrase pairs behind them. */
export function Reasons ({ summary, pairs }: { summary: readonly string[], pairs: readonly Pair[] }) {
  const { t, lang } = useI18n()
  return html`
    <div class="reasons">
      ${summary.length === 0
        ? html`<p class="muted">${t('common.noReasons')}</p>`
        : html`<ul class="summary" aria-label=${t('common.reasons')}>
            ${summary.map((s) => {
              const r = localReason(s, lang)
              return html`<li lang=${r.lang === lang ? undefined : r.lang}>${r.text}</li>`
            })}
          </ul>`}
      ${pairs.length > 0 && html`
        <ul class="pairs" aria-label=${t('common.phrases')}>
          ${pairs.map((p) => html`
            <li class=${`pair ${p.strength}`}>
              ${t('common.pair', { mine: p.mine, theirs: p.theirs })}
              <span class="strength">${p.strength === 'strong' ? t('common.strong') : p.strength === 'partial' ? t('common.partial') : p.strength}</span>
            </li>`)}
        </ul>`}
    </div>`
}

/**
 * Each feature's contribution to the score as a bar (its share of the sum of the contributions'
 * sizes), the numbers in words beside it; every feature, zeros included, in a table below.
 */
export function FeatureBars ({ features, score }: { features: Terms | undefined, score: number }) {
  const { t, number } = useI18n()
  if (!features) return null
  const terms = Object.entries(features).filter((e): e is [string, NonNullable<Terms[string]>] => e[1] !== undefined)
  const total = terms.reduce((s, [, f]) => s + Math.abs(f.contribution), 0) || 1
  const shown = terms.filter(([, f]) => f.contribution !== 0).sort((a, b) => Math.abs(b[1].contribution) - Math.abs(a[1].contribution))
  const name = (f: string) => maybe(t, `feature.${f}`, f.replace(/_/g, ' '))
  return html`
    <div class="features">
      <p class="features-title">${t('common.why')} · ${t('common.score', { score: number(score, 4) })}</p>
      <ul class="bars">
        ${shown.map(([f, term]) => html`
          <li class=${term.contribution < 0 ? 'negative' : ''} data-feature=${f}>
            <span class="bar-label">${name(f)}</span>
            <span class="bar-track" aria-hidden="true"><span class="bar-fill" style=${{ width: `${(Math.abs(term.contribution) / total * 100).toFixed(1)}%` }}></span></span>
            <span class="bar-value">${t('common.contributionText', { contribution: number(term.contribution, 4), value: number(term.value, 3), weight: number(term.weight, 3) })}</span>
          </li>`)}
      </ul>
      <details>
        <summary>${t('common.allFeatures', { n: terms.length })}</summary>
        <table class="feature-table">
          <thead><tr><th scope="col">${t('common.feature')}</th><th scope="col">${t('common.value')}</th><th scope="col">${t('common.weight')}</th><th scope="col">${t('common.contribution')}</th></tr></thead>
          <tbody>
            ${terms.map(([f, term]) => html`
              <tr><th scope="row">${name(f)}</th><td>${number(term.value, 4)}</td><td>${number(term.weight, 4)}</td><td>${number(term.contribution, 4)}</td></tr>`)}
          </tbody>
        </table>
      </details>
    </div>`
}
