import { useId, useState } from 'preact/hooks'
import { html } from '../html.ts'
import { maybe, useI18n } from '../i18n.ts'
import { api } from '../session.ts'
import { Combobox, type Option } from './combobox.ts'

/** A sought phrase: a concept of the termbase (its id, shown by its label) or words as typed. */
export interface Phrase { value: string, label: string, concept: boolean }

/** At most this many phrases, as the match request takes. */
const MAX_PHRASES = 30

/**
 * Competencies sought, as chips: typing offers the termbase's concepts in both languages (GET
 * /v1/concepts, labels in the console's language); Enter or a comma keeps the words as typed. A chosen
 * concept is sent by its id, so it matches its labels in Italian and English alike.
 */
export function ConceptInput ({ label, value, onChange }: { label: string, value: Phrase[], onChange: (v: Phrase[]) => void }) {
  const { t, lang } = useI18n()
  const [text, setText] = useState('')
  const listId = `${useId()}-chosen`

  const add = (items: Phrase[]) => {
    const next = [...value]
    for (const p of items) if (!next.some((q) => q.value.toLowerCase() === p.value.toLowerCase())) next.push(p)
    onChange(next.slice(0, MAX_PHRASES))
  }
  const typed = (words: string) => ({ value: words, label: words, concept: false })

  const find = async (q: string, signal: AbortSignal): Promise<Option[]> => {
    const { results } = await api.concepts({ q, lang, limit: 8 }, signal)
    const other = lang === 'it' ? 'en' : 'it'
    return results.map((c) => ({
      id: c.id,
      name: c.label,
      detail: [c.labels[other][0], maybe(t, `concept.type.${c.type}`, c.type)].filter((d) => d && d !== c.label).join(' · ')
    }))
  }

  return html`
    <div class="concept-input">
      <${Combobox} label=${label} text=${text} find=${find} describedBy=${listId}
        setText=${(v: string) => {
          // A comma ends a phrase as typed.
          if (v.includes(',')) {
            const parts = v.split(',')
            add(parts.slice(0, -1).map((p) => p.trim()).filter(Boolean).map(typed))
            setText(parts[parts.length - 1] ?? '')
          } else setText(v)
        }}
        onChoose=${(o: Option) => { add([{ value: o.id, label: o.name, concept: true }]); setText('') }}
        onEnter=${(words: string) => { add([typed(words)]); setText('') }}
        hint=${t('concepts.hint')} />
      <ul class="chips" id=${listId} aria-label=${t('concepts.chosen')}>
        ${value.map((p) => html`
          <li class=${p.concept ? 'chip concept' : 'chip'} title=${p.concept ? p.value : undefined}>
            ${p.label}
            <button type="button" class="remove" aria-label=${t('concepts.remove', { phrase: p.label })}
              onClick=${() => onChange(value.filter((q) => q !== p))}>×</button>
          </li>`)}
      </ul>
    </div>`
}
