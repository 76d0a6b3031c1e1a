import { useEffect, useId, useRef, useState } from 'preact/hooks'
import type { Kind } from '../../../client/index.ts'
import { html } from '../html.ts'
import { maybe, useI18n, type MessageKey } from '../i18n.ts'
import { markPhrases } from '../highlight.ts'
import { api } from '../session.ts'
import { ErrorMessage, Status } from './common.ts'
import { Reasons, type Pair } from './explanation.ts'

export interface Side {
  /** "You", "Candidate", … */
  role: string
  kind?: Kind
  id?: string
  /** A free-text seeker instead of a record. */
  freeText?: { text: string, competencies: string[] }
}

type Body = Record<string, unknown>

const list = (v: unknown): string[] => Array.isArray(v) ? v.map(String) : []
const str = (v: unknown): string | null => typeof v === 'string' && v ? v : null

/** The fields shown per kind: long texts, then phrase lists. */
const TEXTS: Record<Kind, string[]> = {
  organizations: ['description'],
  people: ['interestsText'],
  proposals: ['body'],
  projects: ['summary'],
  communities: ['text'],
  content: ['text']
}
const LISTS: Record<Kind, string[]> = {
  organizations: ['competencies', 'needs'],
  people: ['expertise', 'interests'],
  proposals: ['seeks', 'offers'],
  projects: [],
  communities: ['tags'],
  content: ['tags']
}

/**
 * Both profiles side by side (a modal dialog: Escape or the close button closes it, focus goes back
 * to the button that opened it), the matched phrases marked on each side.
 */
export function Compare ({ title, left, right, pairs, summary, shared, onClose }: { title: string, left: Side, right: Side, pairs: Pair[], summary: string[], shared: string[], onClose: () => void }) {
  const { t } = useI18n()
  const ref = useRef<HTMLDialogElement>(null)
  const headingId = useId()
  const [leftConcepts, setLeftConcepts] = useState<Set<string>>(new Set())
  const [rightConcepts, setRightConcepts] = useState<Set<string>>(new Set())
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    if (!dialog.open) dialog.showModal()
    const closed = () => onClose()
    dialog.addEventListener('close', closed)
    return () => dialog.removeEventListener('close', closed)
  }, [])
  return html`
    <dialog ref=${ref} class="compare" aria-labelledby=${headingId}>
      <div class="compare-head">
        <h2 id=${headingId}>${title}</h2>
        <button type="button" class="close" onClick=${() => ref.current?.close()}>${t('common.close')}</button>
      </div>
      <${Reasons} summary=${summary} pairs=${pairs} />
      <div class="side-by-side">
        <${Profile} side=${left} phrases=${[...pairs.map((p) => p.mine), ...shared]} onConcepts=${setLeftConcepts} otherConcepts=${rightConcepts} />
        <${Profile} side=${right} phrases=${[...pairs.map((p) => p.theirs), ...shared]} onConcepts=${setRightConcepts} otherConcepts=${leftConcepts} />
      </div>
    </dialog>`
}

function Profile ({ side, phrases, onConcepts, otherConcepts }: { side: Side, phrases: string[], onConcepts: (ids: Set<string>) => void, otherConcepts: Set<string> }) {
  const { t, country } = useI18n()
  const [body, setBody] = useState<Body | null>(null)
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    if (!side.kind || !side.id) return
    const controller = new AbortController()
    api.getRecord(side.kind, side.id, controller.signal).then((b) => setBody(b as Body)).catch((err) => { if (!controller.signal.aborted) setError(err) })
    return () => controller.abort()
  }, [side.kind, side.id])

  const wanted = new Set(phrases.map((p) => p.toLowerCase()))
  const chips = (values: string[]) => html`
    <ul class="chips">
      ${values.map((v) => wanted.has(v.toLowerCase()) ? html`<li class="chip matched"><mark>${v}</mark></li>` : html`<li class="chip">${v}</li>`)}
    </ul>`
  const field = (name: string) => maybe(t, `field.${name.replace(/Text$/, '')}`, name)

  if (side.freeText) {
    return html`
      <section class="profile" aria-label=${side.role}>
        <p class="role">${side.role}</p>
        <h3>${t('match.yourText')}</h3>
        <p class="long">${markPhrases(side.freeText.text, phrases)}</p>
        ${side.freeText.competencies.length > 0 && html`<h4>${t('field.competencies')}</h4>${chips(side.freeText.competencies)}`}
        <${ProfileConcepts} phrases=${[side.freeText.text, ...side.freeText.competencies]} onConcepts=${onConcepts} otherConcepts=${otherConcepts} />
      </section>`
  }
  const kind = side.kind as Kind
  const name = body ? str(body.name) ?? str(body.title) ?? side.id : side.id
  const facts = body
    ? [
        str(body.kind) && kind !== 'people' ? maybe(t, `value.${String(body.kind)}`, String(body.kind)) : null,
        str(body.type) ? maybe(t, `value.${String(body.type)}`, String(body.type)) : null,
        str(body.status) ? maybe(t, `value.${String(body.status)}`, String(body.status)) : null,
        str(body.role),
        str(body.country) ? country(String(body.country)) : null,
        str(body.region),
        str(body.deadline) ? `${t('field.deadline')}: ${String(body.deadline)}` : null
      ].filter(Boolean)
    : []
  return html`
    <section class="profile" aria-label=${`${side.role}: ${name ?? ''}`}>
      <p class="role">${side.role} · ${t(`kind1.${kind}` as MessageKey)}</p>
      <h3>${name}</h3>
      <${ErrorMessage} error=${error} />
      ${!body && !error && html`<${Status}>${t('common.loading')}</${Status}>`}
      ${body && html`
        ${facts.length > 0 && html`<p class="facts">${facts.join(' · ')}</p>`}
        ${LISTS[kind].map((f) => list(body[f]).length > 0 && html`<h4>${field(f)}</h4>${chips(list(body[f]))}`)}
        ${list(body.s3Areas).length > 0 && html`<h4>${t('field.s3Areas')}</h4>${chips(list(body.s3Areas))}`}
        ${list(body.sectors).length > 0 && html`<h4>${t('field.sectors')}</h4><p>${list(body.sectors).join(', ')}</p>`}
        <${ProfileConcepts} phrases=${LISTS[kind].flatMap((f) => list(body[f]))} onConcepts=${onConcepts} otherConcepts=${otherConcepts} />
        ${TEXTS[kind].map((f) => str(body[f]) && html`<h4>${field(f)}</h4><p class="long">${markPhrases(String(body[f]), phrases)}</p>`)}
      `}
    </section>`
}

/**
 * The concepts a profile's phrases name (POST /v1/concepts/link), labels in the console's language:
 * those at the heart of a phrase first; a concept the other profile names too is marked. Each chip
 * says which phrases name it.
 */
function ProfileConcepts ({ phrases, onConcepts, otherConcepts }: { phrases: string[], onConcepts: (ids: Set<string>) => void, otherConcepts: Set<string> }) {
  const { t, lang } = useI18n()
  const [concepts, setConcepts] = useState<Array<{ id: string, label: string, central: boolean, from: string[] }> | null>(null)
  const key = phrases.join('\n')
  useEffect(() => {
    const asked = phrases.filter((p) => p.trim()).slice(0, 200)
    if (asked.length === 0) { setConcepts([]); onConcepts(new Set()); return }
    const controller = new AbortController()
    api.linkConcepts({ phrases: asked, lang }, controller.signal).then(({ results }) => {
      const byId = new Map<string, { id: string, label: string, central: boolean, from: string[] }>()
      for (const r of results) {
        for (const c of r.concepts) {
          const seen = byId.get(c.id) ?? { id: c.id, label: c.label, central: false, from: [] }
          seen.central ||= c.central
          if (!seen.from.includes(r.phrase)) seen.from.push(r.phrase)
          byId.set(c.id, seen)
        }
      }
      const found = [...byId.values()].sort((a, b) => Number(b.central) - Number(a.central))
      setConcepts(found)
      onConcepts(new Set(found.map((c) => c.id)))
    }).catch(() => { if (!controller.signal.aborted) setConcepts([]) })
    return () => controller.abort()
  }, [key, lang])
  if (concepts === null) return null
  return html`
    <h4>${t('concepts.title')}</h4>
    ${concepts.length === 0
      ? html`<p class="hint">${t('concepts.none')}</p>`
      : html`<ul class="chips concepts">
          ${concepts.map((c) => html`
            <li class=${['chip', 'concept', c.central ? 'central' : '', otherConcepts.has(c.id) ? 'matched' : ''].filter(Boolean).join(' ')}
              title=${c.from.join(' · ')} data-concept=${c.id}>
              ${otherConcepts.has(c.id) ? html`<mark>${c.label}</mark>` : c.label}
            </li>`)}
        </ul>`}`
}
