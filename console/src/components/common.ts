import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { html } from '../html.ts'
import { useI18n } from '../i18n.ts'
import { errorText } from '../error-text.ts'

export function ErrorMessage ({ error }: { error: unknown }) {
  const { t } = useI18n()
  if (!error) return null
  return html`<p class="error" role="alert">${errorText(error, t)}</p>`
}

/** Polite status line for screen readers and eyes alike (loading, counts). */
export function Status ({ children }: { children: ComponentChildren }) {
  return html`<p class="status" role="status">${children}</p>`
}

/** A view's title: focused when the view opens, so a screen reader says where the user is. */
export function ViewTitle ({ children, focus }: { children: ComponentChildren, focus: boolean }) {
  const ref = useRef<HTMLHeadingElement>(null)
  useEffect(() => { if (focus) ref.current?.focus() }, [])
  return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`
}

export interface TabDef { id: string, label: string }

/**
 * ARIA tabs: one tab stop, arrow keys (and Home/End) move between tabs and select them.
 * The panel is the caller's, labelled by the selected tab (`${idPrefix}-tab-${id}`).
 */
export function Tabs ({ tabs, selected, onSelect, label, idPrefix }: { tabs: TabDef[], selected: string, onSelect: (id: string) => void, label: string, idPrefix: string }) {
  const list = useRef<HTMLDivElement>(null)
  const move = (e: KeyboardEvent) => {
    const at = tabs.findIndex((tab) => tab.id === selected)
    let next = at
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = (at + 1) % tabs.length
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = (at - 1 + tabs.length) % tabs.length
    else if (e.key === 'Home') next = 0
    else if (e.key === 'End') next = tabs.length - 1
    else return
    e.preventDefault()
    const tab = tabs[next]
    if (!tab) return
    onSelect(tab.id)
    list.current?.querySelector<HTMLButtonElement>(`#${idPrefix}-tab-${tab.id}`)?.focus()
  }
  return html`
    <div class="tabs" role="tablist" aria-label=${label} ref=${list} onKeyDown=${move}>
      ${tabs.map((tab) => html`
        <button type="button" role="tab" id=${`${idPrefix}-tab-${tab.id}`} aria-controls=${`${idPrefix}-panel`}
          aria-selected=${tab.id === selected ? 'true' : 'false'} tabindex=${tab.id === selected ? 0 : -1}
          onClick=${() => onSelect(tab.id)}>${tab.label}</button>`)}
    </div>`
}

/** Previous / next over cursor pages. */
export function Pager ({ page, hasNext, onPrevious, onNext, busy }: { page: number, hasNext: boolean, onPrevious: () => void, onNext: () => void, busy: boolean }) {
  const { t } = useI18n()
  if (page === 1 && !hasNext) return null
  return html`
    <nav class="pager" aria-label=${t('common.page', { page })}>
      <button type="button" onClick=${onPrevious} disabled=${page <= 1 || busy}>← ${t('common.previous')}</button>
      <span>${t('common.page', { page })}</span>
      <button type="button" onClick=${onNext} disabled=${!hasNext || busy}>${t('common.next')} →</button>
    </nav>`
}

/** Runs `load` with an AbortSignal; a newer call aborts the one before (typing, paging). */
export function useLatest () {
  const current = useRef<AbortController | null>(null)
  useEffect(() => () => current.current?.abort(), [])
  return <T>(load: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    current.current?.abort()
    const controller = new AbortController()
    current.current = controller
    return load(controller.signal)
  }
}

export const isAbort = (err: unknown): boolean => (err as Error)?.name === 'AbortError'
