import { html } from '../html.ts'
import { useI18n } from '../i18n.ts'
import { FeatureBars, Reasons, type Pair } from './explanation.ts'

type Terms = Record<string, { value: number, weight: number, contribution: number } | undefined>

/** One ranked, explained result: what it is, the reasons in words, the features as bars, and a button to compare profiles. */
export function ResultCard ({ id, rank, title, badge, facts, score, summary, pairs, features, onCompare }: {
  id: string
  rank: number
  title: string
  badge: string
  facts: string[]
  score: number
  summary: string[]
  pairs: Pair[]
  features: Terms | undefined
  onCompare: (() => void) | null
}) {
  const { t } = useI18n()
  const headingId = `result-${rank}-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`
  return html`
    <li class="result explained" data-id=${id}>
      <article aria-labelledby=${headingId}>
        <div class="result-head">
          <span class="rank" aria-hidden="true">${rank}</span>
          <span class="badge">${badge}</span>
          <h2 class="result-title" id=${headingId}>${title}</h2>
        </div>
        ${facts.length > 0 && html`<p class="facts">${facts.join(' · ')}</p>`}
        <div class="explain-grid">
          <${Reasons} summary=${summary} pairs=${pairs} />
          <${FeatureBars} features=${features} score=${score} />
        </div>
        ${onCompare && html`<div class="actions"><button type="button" onClick=${onCompare}>${t('common.compare')}</button></div>`}
      </article>
    </li>`
}
