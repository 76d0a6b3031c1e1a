import type { PartnerMatchRequest } from '../../../client/index.ts'
import { html } from '../html.ts'
import { useI18n } from '../i18n.ts'
import { Typeahead, type Picked } from './typeahead.ts'
import { ConceptInput, type Phrase } from './concept-input.ts'
import type { Side } from './compare.ts'

export type Mode = 'complementary' | 'similar' | 'reciprocal'
export const MODES: readonly Mode[] = ['complementary', 'similar', 'reciprocal']

export interface Seeker {
  by: 'org' | 'text'
  org: Picked | null
  text: string
  /** Competencies sought by a free-text seeker: concepts (sent by id) or words as typed. */
  competencies: Phrase[]
  mode: Mode
  excludePast: boolean
  programme: string
}

export const emptySeeker = (org: Picked | null = null): Seeker => ({ by: 'org', org, text: '', competencies: [], mode: 'complementary', excludePast: false, programme: '' })

/** The body of POST /v1/match/partners for a seeker, or null when it is not complete. */
export function matchRequest (s: Seeker, extra: { limit: number, explain: boolean, cursor?: string }): PartnerMatchRequest | null {
  const common = {
    mode: s.mode,
    limit: extra.limit,
    explain: extra.explain,
    ...(s.excludePast ? { excludePastPartners: true } : {}),
    ...(s.programme.trim() ? { programme: s.programme.trim() } : {}),
    ...(extra.cursor ? { cursor: extra.cursor } : {})
  }
  if (s.by === 'org') return s.org ? { organizationId: s.org.id, ...common } : null
  if (s.text.trim().length < 3) return null
  const competencies = s.competencies.map((p) => p.value)
  return { text: s.text.trim(), ...(competencies.length > 0 ? { competencies } : {}), ...common }
}

/** The seeker's side of a comparison. */
export function seekerSide (s: Seeker, role: string): Side {
  return s.by === 'org' && s.org ? { role, kind: 'organizations', id: s.org.id } : { role, freeText: { text: s.text, competencies: s.competencies.map((p) => p.label) } }
}

/** Who is looking (an organisation chosen by type-ahead, or free text) and how: the form's fields. */
export function SeekerFields ({ value, onChange, idPrefix }: { value: Seeker, onChange: (s: Seeker) => void, idPrefix: string }) {
  const { t } = useI18n()
  const set = (patch: Partial<Seeker>) => onChange({ ...value, ...patch })
  return html`
    <fieldset class="choice">
      <legend>${t('match.seeker')}</legend>
      <label class="check"><input type="radio" name=${`${idPrefix}-by`} checked=${value.by === 'org'} onChange=${() => set({ by: 'org' })} /> ${t('match.seeker.org')}</label>
      <label class="check"><input type="radio" name=${`${idPrefix}-by`} checked=${value.by === 'text'} onChange=${() => set({ by: 'text' })} /> ${t('match.seeker.text')}</label>
    </fieldset>
    ${value.by === 'org'
      ? html`<${Typeahead} kind="organizations" label=${t('match.org')} value=${value.org} onChange=${(org: Picked | null) => set({ org })} />`
      : html`
        <div class="field">
          <label for=${`${idPrefix}-text`}>${t('match.text')}</label>
          <textarea id=${`${idPrefix}-text`} rows="3" value=${value.text} onInput=${(e: Event) => set({ text: (e.target as HTMLTextAreaElement).value })}></textarea>
        </div>
        <${ConceptInput} label=${t('match.competencies')} value=${value.competencies} onChange=${(competencies: Phrase[]) => set({ competencies })} />`}
    <fieldset class="choice">
      <legend>${t('match.mode')}</legend>
      ${MODES.map((m) => html`
        <label class="check"><input type="radio" name=${`${idPrefix}-mode`} value=${m} checked=${value.mode === m} onChange=${() => set({ mode: m })} /> ${t(`match.mode.${m}`)}</label>`)}
    </fieldset>
    <div class="field limited">
      <label for=${`${idPrefix}-programme`}>${t('match.programme')}</label>
      <input id=${`${idPrefix}-programme`} type="text" value=${value.programme} onInput=${(e: Event) => set({ programme: (e.target as HTMLInputElement).value })} />
    </div>
    <label class="check"><input type="checkbox" checked=${value.excludePast} onChange=${() => set({ excludePast: !value.excludePast })} /> ${t('match.excludePast')}</label>`
}
