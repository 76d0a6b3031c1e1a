import { useEffect, useId, useRef, useState } from 'preact/hooks'
import { html } from '../html.ts'
import { maybe, useI18n } from '../i18n.ts'
import { api } from '../session.ts'
import { isAbort, useLatest } from './common.ts'

export interface Picked { id: string, name: string }

interface Option { id: string, name: string, detail: string }

/**
 * A combobox (ARIA 1.2 list autocomplete) over GET /v1/search for one kind: type, then arrow keys
 * and Enter (or a click) choose; Escape closes the list.
 */
export function Typeahead ({ kind, label, value, onChange }: { kind: 'organizations' | 'people' | 'proposals', label: string, value: Picked | null, onChange: (p: Picked | null) => void }) {
  const { t, country } = useI18n()
  const id = useId()
  const [text, setText] = useState(value?.name ?? '')
  const [options, setOptions] = useState<Option[]>([])
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(-1)
  const [announce, setAnnounce] = useState('')
  const latest = useLatest()
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)

  // A choice made elsewhere (a link from another view) shows its name.
  useEffect(() => { if (value && value.name !== text) setText(value.name) }, [value?.id, value?.name])
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current) }, [])

  const lookUp = (q: string) => {
    if (timer.current) clearTimeout(timer.current)
    if (q.trim().length < 2) { setOptions([]); setOpen(false); return }
    timer.current = setTimeout(() => {
      latest((signal) => api.search({ q, kinds: [kind], limit: 8, ...(kind === 'proposals' ? { includeExpired: true } : {}) }, signal))
        .then((res) => {
          const found = res.results.map((r) => ({ id: r.id, name: r.title, detail: detailOf(r.fields) }))
          setOptions(found)
          setOpen(true)
          setActive(found.length > 0 ? 0 : -1)
          setAnnounce(found.length > 0 ? t('typeahead.count', { n: found.length }) : t('typeahead.none'))
        })
        .catch((err) => { if (!isAbort(err)) { setOptions([]); setAnnounce(String((err as Error).message)) } })
    }, 200)
  }

  const detailOf = (f: Record<string, unknown>) => [
    typeof f.org_kind === 'string' ? maybe(t, `value.${f.org_kind}`, f.org_kind) : null,
    typeof f.type === 'string' ? maybe(t, `value.${f.type}`, f.type) : null,
    typeof f.country === 'string' ? country(f.country) : null,
    typeof f.region === 'string' ? f.region : null
  ].filter(Boolean).join(' · ')

  const choose = (o: Option) => {
    setText(o.name)
    setOpen(false)
    setOptions([])
    setAnnounce(t('typeahead.chosen', { name: o.name }))
    onChange({ id: o.id, name: o.name })
  }

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' && options.length > 0) {
      e.preventDefault()
      setOpen(true)
      setActive((a) => (a + 1) % options.length)
    } else if (e.key === 'ArrowUp' && options.length > 0) {
      e.preventDefault()
      setOpen(true)
      setActive((a) => (a - 1 + options.length) % options.length)
    } else if (e.key === 'Enter' && open && active >= 0 && options[active]) {
      e.preventDefault()
      choose(options[active] as Option)
    } else if (e.key === 'Escape' && open) {
      e.preventDefault()
      setOpen(false)
    }
  }

  const listId = `${id}-list`
  const optionId = (i: number) => `${id}-opt-${i}`
  return html`
    <div class="typeahead">
      <label for=${`${id}-input`}>${label}</label>
      <input id=${`${id}-input`} type="text" role="combobox" autocomplete="off" spellcheck=${false}
        aria-autocomplete="list" aria-expanded=${open ? 'true' : 'false'} aria-controls=${listId}
        aria-describedby=${`${id}-hint`}
        aria-activedescendant=${open && active >= 0 ? optionId(active) : undefined}
        value=${text}
        onInput=${(e: Event) => {
          const v = (e.target as HTMLInputElement).value
          setText(v)
          if (value) onChange(null)
          lookUp(v)
        }}
        onKeyDown=${onKeyDown}
        onBlur=${() => setTimeout(() => setOpen(false), 150)} />
      <p class="hint" id=${`${id}-hint`}>${value ? t('common.idLabel', { id: value.id }) : t('typeahead.hint')}</p>
      <ul id=${listId} role="listbox" aria-label=${label} class="options" hidden=${!open || options.length === 0}>
        ${options.map((o, i) => html`
          <li id=${optionId(i)} role="option" aria-selected=${i === active ? 'true' : 'false'} class=${i === active ? 'active' : ''}
            onMouseDown=${(e: MouseEvent) => { e.preventDefault(); choose(o) }}>
            <span class="name">${o.name}</span>${o.detail ? html` <span class="detail">${o.detail}</span>` : null}
          </li>`)}
      </ul>
      <span class="visually-hidden" role="status">${announce}</span>
    </div>`
}
