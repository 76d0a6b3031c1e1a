import { useEffect, useState } from 'preact/hooks'
import { html } from '../html.ts'
import { maybe, useI18n } from '../i18n.ts'
import { api } from '../session.ts'
import { Combobox, type Option } from './combobox.ts'

export interface Picked { id: string, name: string }

/** A record of one kind chosen by name: a combobox over GET /v1/search. */
export function Typeahead ({ kind, label, value, onChange }: { kind: 'organizations' | 'people' | 'proposals', label: string, value: Picked | null, onChange: (p: Picked | null) => void }) {
  const { t, country } = useI18n()
  const [text, setText] = useState(value?.name ?? '')

  // A choice made elsewhere (a link from another view) shows its name.
  useEffect(() => { if (value && value.name !== text) setText(value.name) }, [value?.id, value?.name])

  const detailOf = (f: Record<string, unknown>) => [
    typeof f.org_kind === 'string' ? maybe(t, `value.${f.org_kind}`, f.org_kind) : null,
    typeof f.type === 'string' ? maybe(t, `value.${f.type}`, f.type) : null,
    typeof f.country === 'string' ? country(f.country) : null,
    typeof f.region === 'string' ? f.region : null
  ].filter(Boolean).join(' · ')

  const find = async (q: string, signal: AbortSignal): Promise<Option[]> => {
    const res = await api.search({ q, kinds: [kind], limit: 8, ...(kind === 'proposals' ? { includeExpired: true } : {}) }, signal)
    return res.results.map((r) => ({ id: r.id, name: r.title, detail: detailOf(r.fields) }))
  }

  return html`<${Combobox} label=${label} text=${text} find=${find}
    setText=${(v: string) => { setText(v); if (value) onChange(null) }}
    onChoose=${(o: Option) => { setText(o.name); onChange({ id: o.id, name: o.name }) }}
    hint=${value ? t('common.idLabel', { id: value.id }) : t('typeahead.hint')} />`
}
