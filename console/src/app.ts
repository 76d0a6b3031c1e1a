import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { Scope } from '../../client/index.ts'
import { html } from './html.ts'
import { I18nContext, LANGS, i18nFor, initialLang, rememberLang, useI18n, type Lang, type MessageKey } from './i18n.ts'
import { UNAUTHORIZED, allows, api, forgetKey, storeKey, storedKey } from './session.ts'
import { href, useRoute, VIEWS, type View } from './router.ts'
import { errorText } from './error-text.ts'
import { SearchView } from './views/search.ts'
import { MatchView } from './views/match.ts'
import { ConsortiumView } from './views/consortium.ts'
import { RecommendView } from './views/recommend.ts'
import { OperationsView } from './views/operations.ts'
import { TuningView } from './views/tuning.ts'

/** The scope each view needs (the API's own: reads for the rest, admin for operations). */
export const NEEDS: Record<View, Scope> = { search: 'read', match: 'read', consortium: 'read', recommend: 'read', operations: 'admin', tuning: 'read' }

type Session = { state: 'loading' } | { state: 'failed', error: unknown } | { state: 'key', invalid: boolean } | { state: 'ready', scope: Scope, keyRequired: boolean }

export function App () {
  const [lang, setLang] = useState<Lang>(initialLang)
  const i18n = useMemo(() => i18nFor(lang), [lang])
  const { t } = i18n
  const [session, setSession] = useState<Session>({ state: 'loading' })
  const route = useRoute()
  const rendered = useRef(0)

  const check = async (invalidIfRefused: boolean) => {
    try {
      const s = await api.session()
      if (s.scope) setSession({ state: 'ready', scope: s.scope, keyRequired: s.keyRequired })
      else {
        forgetKey()
        setSession({ state: 'key', invalid: invalidIfRefused })
      }
    } catch (error) {
      setSession({ state: 'failed', error })
    }
  }
  useEffect(() => { check(false) }, [])
  useEffect(() => {
    const back = () => { forgetKey(); setSession({ state: 'key', invalid: false }) }
    window.addEventListener(UNAUTHORIZED, back)
    return () => window.removeEventListener(UNAUTHORIZED, back)
  }, [])
  useEffect(() => {
    document.documentElement.lang = lang
    rememberLang(lang)
  }, [lang])
  useEffect(() => { document.title = `${t(`nav.${route.view}`)} · ${t('app.title')}` }, [route.view, lang])
  // Focus moves to a view's title when the user goes to another view, not on the first page load.
  useEffect(() => { rendered.current++ }, [route.view, session.state])

  const scope = session.state === 'ready' ? session.scope : null
  const visible = VIEWS.filter((v) => allows(scope, NEEDS[v]))
  const focus = rendered.current > 1

  let body
  if (session.state === 'loading') body = html`<p class="status" role="status">${t('app.loading')}</p>`
  else if (session.state === 'failed') {
    body = html`<div class="panel"><p class="error" role="alert">${t('app.unreachable', { message: errorText(session.error, t) })}</p>
      <button type="button" onClick=${() => { setSession({ state: 'loading' }); check(false) }}>${t('app.retry')}</button></div>`
  } else if (session.state === 'key') {
    body = html`<${KeyPrompt} invalid=${session.invalid} onKey=${(key: string) => { storeKey(key); setSession({ state: 'loading' }); check(true) }} />`
  } else if (!allows(scope, NEEDS[route.view])) {
    body = html`<p class="error" role="alert">${t('app.notAllowed', { scope: t(`scope.${NEEDS[route.view]}`) })}</p>`
  } else {
    const props = { params: route.params, focus, key: route.view, scope }
    body = route.view === 'search'
      ? html`<${SearchView} ...${props} />`
      : route.view === 'match'
        ? html`<${MatchView} ...${props} key=${`match-${route.params.get('org') ?? ''}`} />`
        : route.view === 'consortium'
          ? html`<${ConsortiumView} ...${props} />`
          : route.view === 'recommend'
            ? html`<${RecommendView} ...${props} />`
            : route.view === 'operations'
              ? html`<${OperationsView} ...${props} keyRequired=${session.keyRequired} />`
              : html`<${TuningView} ...${props} />`
  }

  return html`
    <${I18nContext.Provider} value=${i18n}>
      <a class="skip" href="#main" onClick=${(e: Event) => { e.preventDefault(); document.getElementById('main')?.focus() }}>${t('app.skip')}</a>
      <header class="top">
        <div class="brand"><span class="logo" aria-hidden="true">◎</span> ${t('app.title')}</div>
        ${session.state === 'ready' && html`
          <nav aria-label=${t('app.nav')} class="views">
            <ul>
              ${visible.map((v) => html`<li><a href=${href(v)} aria-current=${v === route.view ? 'page' : undefined}>${t(`nav.${v}` as MessageKey)}</a></li>`)}
            </ul>
          </nav>`}
        <div class="tools">
          <div role="group" aria-label=${t('app.language')} class="lang">
            ${LANGS.map((l) => html`
              <button type="button" lang=${l} aria-pressed=${l === lang ? 'true' : 'false'} onClick=${() => setLang(l)}
                aria-label=${l === 'it' ? 'Italiano' : 'English'}>${l.toUpperCase()}</button>`)}
          </div>
          ${session.state === 'ready' && html`
            <span class="scope" title=${session.keyRequired ? '' : t('app.scopeOpen')}>${session.keyRequired ? t('app.scope', { scope: t(`scope.${session.scope}`) }) : t('app.scopeOpen')}</span>
            ${session.keyRequired && html`<button type="button" class="link" onClick=${() => { forgetKey(); setSession({ state: 'key', invalid: false }) }}>${t('app.signOut')}</button>`}`}
        </div>
      </header>
      <main id="main" tabindex="-1">${body}</main>
    </${I18nContext.Provider}>`
}

function KeyPrompt ({ invalid, onKey }: { invalid: boolean, onKey: (key: string) => void }) {
  const { t } = useI18n()
  const [key, setKey] = useState(storedKey() ?? '')
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => { input.current?.focus() }, [invalid])
  return html`
    <section class="view key-view" aria-labelledby="key-title">
      <form class="panel narrow-panel" onSubmit=${(e: Event) => { e.preventDefault(); if (key.trim()) onKey(key.trim()) }}>
        <h1 id="key-title">${t('key.title')}</h1>
        <p>${t('key.intro')}</p>
        <label for="api-key">${t('key.label')}</label>
        <input id="api-key" ref=${input} type="password" autocomplete="off" spellcheck=${false} value=${key}
          aria-invalid=${invalid ? 'true' : undefined} aria-describedby=${invalid ? 'key-error' : undefined}
          onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} />
        ${invalid && html`<p class="error" id="key-error" role="alert">${t('key.invalid')}</p>`}
        <button type="submit" class="primary">${t('key.submit')}</button>
      </form>
    </section>`
}
