import { useEffect, useId, useRef, useState } from 'preact/hooks'
import { html } from '../html.ts'
import { useI18n } from '../i18n.ts'
import { isAbort, useLatest } from './common.ts'
import { errorText } from '../error-text.ts'

export interface Option { id: string, name: string, detail: string }

/**
 * A combobox (ARIA 1.2 list autocomplete): type at least 2 letters, then arrow keys and Enter (or a
 * click) choose an option; Escape closes the list. `find` gives the options for what was typed;
 * `onEnter`, when given, takes what was typed when Enter finds no option chosen, or when the field
 * is left with words in it (a free phrase).
 */
export function Combobox ({ label, text, setText, find, onChoose, onEnter, hint, describedBy }: {
  label: string
  text: string
  setText: (text: string) => void
  find: (q: string, signal: AbortSignal) => Promise<Option[]>
  onChoose: (o: Option) => void
  onEnter?: (text: string) => void
  hint: string
  describedBy?: string
}) {
  const { t } = useI18n()
  const id = useId()
  const [options, setOptions] = useState<Option[]>([])
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(-1)
  const [announce, setAnnounce] = useState('')
  const latest = useLatest()
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current) }, [])

  const close = () => { setOpen(false); setOptions([]) }
  const lookUp = (q: string) => {
    if (timer.current) clearTimeout(timer.current)
    if (q.trim().length < 2) { close(); return }
    timer.current = setTimeout(() => {
      latest((signal) => find(q, signal))
        .then((found) => {
          setOptions(found)
          setOpen(true)
          setActive(found.length > 0 ? 0 : -1)
          setAnnounce(found.length > 0 ? t('typeahead.count', { n: found.length }) : t('typeahead.none'))
        })
        .catch((err) => { if (!isAbort(err)) { setOptions([]); setAnnounce(errorText(err, t)) } })
    }, 200)
  }

  const choose = (o: Option) => {
    close()
    setAnnounce(t('typeahead.chosen', { name: o.name }))
    onChoose(o)
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
    } else if (e.key === 'Enter' && onEnter && text.trim()) {
      e.preventDefault()
      if (timer.current) clearTimeout(timer.current)
      close()
      onEnter(text.trim())
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
        aria-describedby=${[`${id}-hint`, describedBy].filter(Boolean).join(' ')}
        aria-activedescendant=${open && active >= 0 ? optionId(active) : undefined}
        value=${text}
        onInput=${(e: Event) => {
          const v = (e.target as HTMLInputElement).value
          setText(v)
          lookUp(v)
        }}
        onKeyDown=${onKeyDown}
        onBlur=${() => {
          setTimeout(() => setOpen(false), 150)
          // Words typed and left (a click on the submit button) are kept as typed.
          if (onEnter && text.trim()) { if (timer.current) clearTimeout(timer.current); onEnter(text.trim()) }
        }} />
      <p class="hint" id=${`${id}-hint`}>${hint}</p>
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
