/**
 * The match console end to end: the real service (embedded store, index and queue, the
 * all-minilm-l6-v2 model, API keys on) with a 300-record slice of the demo data set, driven through
 * Debian's chromium with playwright-core. Every view is checked against what the API answers for
 * the same request, and photographed into test-output/screenshots/.
 */
import t, { type Test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { auth, KEYS, testApp } from '../helpers/app.ts'
import { modelsDir, onCleanup, requires } from '../helpers/services.ts'
import { generateRecords, type BulkLine } from '../../fixtures/generate.ts'
import { isProvisioned, modelFolder } from '../../src/embedding/maven-provisioner.ts'
import { modelSpec } from '../../src/embedding/model-catalog.ts'
import { RankerModels } from '../../src/match/ranker/ranker-models.ts'
import type { Weights } from '../../src/match/features.ts'
import { messages, translator } from '../../console/src/i18n.ts'
import { rerank } from '../../console/src/rerank.ts'
import { NEEDS } from '../../console/src/app.ts'
import { errorText } from '../../console/src/error-text.ts'
import { italianEscoLabels } from '../../fixtures/lib/esco-italian.ts'
import { THEMES } from '../../fixtures/lib/themes.ts'
import { ApiError, EngineClient } from '../../client/index.ts'
import type { PartnerMatchResponse, RecommendationsResponse, CandidatesResponse, SearchResponse } from '../../client/index.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SHOTS = 'test-output/screenshots'
const RECORDS = 300
const en = messages.en
const it = messages.it
const DESKTOP = { width: 1280, height: 860 }
const PHONE = { width: 390, height: 844 }
/** The demo's own translation pairs: an ESCO label that is also one of them is not told apart by its wording. */
const THEME_PHRASES = new Set(THEMES.flatMap((th) => th.competencies.flat()))

// A trained ranker with held-out metrics (the Horizon 2020 run, bench/h2020-partners.ts): what the
// operations view shows for an active model.
const h2020 = JSON.parse(readFileSync(new URL('../../bench/results/h2020-partners.json', import.meta.url), 'utf8')) as {
  trainer: Record<string, unknown> & { validation: { trained: { nDCG10: number } } }
  perMethod: Record<string, { weights: Weights }>
}

t.test('the match console, in a browser', async (t) => {
  if (!requires(t, existsSync(CHROMIUM), `chromium is not installed at ${CHROMIUM} (apt-get install chromium; CHROMIUM_PATH points elsewhere)`)) return
  if (!requires(t, await isProvisioned(modelFolder(modelsDir, modelSpec('all-minilm-l6-v2'))), 'all-minilm-l6-v2 is not provisioned (npm run models:provision)')) return

  const started = Date.now()
  const app = await testApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`
  t.comment(`app listening after ${Date.now() - started} ms`)
  const api = async <T>(method: 'GET' | 'POST', url: string, payload?: object, scope: keyof typeof KEYS = 'admin') => {
    const res = await app.inject({ method, url, headers: auth(scope), ...(payload ? { payload } : {}) })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json() as T
  }

  // A slice of the demo set from the same generator (committed seed only, so every machine gets the
  // same records), through the bulk import like any portal's.
  const lines: BulkLine[] = []
  for await (const line of generateRecords({ records: RECORDS, sharedDataDir: null, log: () => {} })) lines.push(line)
  const imported = await app.inject({ method: 'POST', url: '/v1/bulk', headers: { ...auth('write'), 'content-type': 'application/x-ndjson' }, payload: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' })
  t.match(imported.json(), { lines: RECORDS, created: RECORDS, failed: 0 }, 'the demo slice is imported')
  const perKind: Record<string, number> = {}
  for (const l of lines) perKind[l.kind] = (perKind[l.kind] ?? 0) + 1
  const trained = (h2020.perMethod['matcher: trained ranker'] as { weights: Weights }).weights
  await new RankerModels(app.parts.store.db).save('partners', trained, h2020.trainer, true)
  await app.parts.ranker.reload()
  // The browser starts while the slice is indexed; the status is asked every 400 ms (it counts every index).
  const launching = chromium.launch({ executablePath: CHROMIUM })
  onCleanup(t, async () => { await (await launching).close() })
  for (const until = Date.now() + 120_000; ;) {
    if ((await api<{ kinds: Array<{ inSync: boolean }> }>('GET', '/v1/status')).kinds.every((k) => k.inSync)) break
    if (Date.now() > until) throw new Error('the demo slice was not indexed within 2 minutes')
    await new Promise((resolve) => setTimeout(resolve, 400))
  }
  const browser = await launching
  t.comment(`app started and ${RECORDS} records indexed in ${Date.now() - started} ms`)
  await mkdir(SHOTS, { recursive: true })
  const pageErrors: string[] = []

  /** A tab in a fresh context; with `key`, the key is already in the tab's sessionStorage. */
  const open = async (t: Test, options: { key?: string, locale?: string, viewport?: { width: number, height: number }, hash?: string } = {}): Promise<Page> => {
    const context: BrowserContext = await browser.newContext({ locale: options.locale ?? 'en-GB', viewport: options.viewport ?? DESKTOP })
    onCleanup(t, () => context.close())
    if (options.key) await context.addInitScript((key) => sessionStorage.setItem('engine-console-key', key), options.key)
    const page = await context.newPage()
    page.on('pageerror', (err) => pageErrors.push(err.message))
    page.on('dialog', (dialog) => { dialog.accept().catch(() => {}) })
    await page.goto(base + (options.hash ?? ''))
    return page
  }
  /** Desktop pages whole; phone pages as the screen shows them. */
  const shot = async (page: Page, name: string, fullPage = !name.endsWith('-phone'), from?: string) => {
    if (from) await page.locator(from).first().evaluate((e) => e.scrollIntoView({ block: 'start' }))
    else await page.evaluate(() => window.scrollTo(0, 0))
    await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage })
  }
  const texts = (page: Page, selector: string) => page.locator(selector).allInnerTexts()
  /** Chooses `name` in a type-ahead with the keyboard alone: type, arrow down to it, Enter. */
  const pick = async (page: Page, label: string | RegExp, name: string, id: string) => {
    const box = page.getByRole('combobox', { name: label })
    await box.fill(name)
    const options = page.getByRole('listbox', { name: label }).getByRole('option')
    await options.first().waitFor()
    await page.waitForFunction((n) => [...document.querySelectorAll('[role=option] .name')].some((o) => o.textContent === n), name)
    const names = await options.locator('.name').allInnerTexts()
    const at = names.indexOf(name)
    for (let i = 0; i < at; i++) await box.press('ArrowDown')
    await box.press('Enter')
    await page.locator('.typeahead .hint').filter({ hasText: `id ${id}` }).waitFor()
  }
  /** Waits for the view's status line to settle on something other than "Loading…". */
  const settled = async (page: Page) => {
    await page.waitForFunction(() => {
      const s = document.querySelector('main [role=status].status')
      return s !== null && s.textContent !== '' && !/Loading|Caricamento/.test(s.textContent ?? '')
    }, undefined, { timeout: 30_000 })
  }

  const org = lines.find((l) => l.kind === 'organizations' && l.record.name === 'Politecnico di Milano') ?? lines.find((l) => l.kind === 'organizations') as BulkLine
  const orgName = String(org.record.name)

  t.test('asks for a key, refuses a wrong one, and hides the admin views from a read key', async (t) => {
    const page = await open(t)
    await page.getByRole('heading', { name: en['key.title'] }).waitFor()
    t.equal(await page.getByRole('navigation').count(), 0, 'no view before a key')
    await shot(page, 'key-prompt-desktop', false)
    const keyBox = page.getByRole('textbox', { name: en['key.label'] })
    await keyBox.fill('not-a-key-of-this-service')
    await page.getByRole('button', { name: en['key.submit'] }).click()
    await page.getByRole('alert').filter({ hasText: en['key.invalid'] }).waitFor()
    t.pass('a wrong key is refused, and said so')

    await keyBox.fill(KEYS.read)
    await page.keyboard.press('Enter')
    await page.getByRole('navigation', { name: en['app.nav'] }).waitFor()
    const readable = Object.entries(NEEDS).filter(([, scope]) => scope === 'read').map(([view]) => en[`nav.${view}` as keyof typeof en])
    t.same(await texts(page, 'nav.views a'), readable, 'a read key sees every view but operations')
    t.notOk(readable.includes(en['nav.operations']))
    t.equal(await page.evaluate(() => sessionStorage.getItem('engine-console-key')), KEYS.read, 'the key is kept in sessionStorage')
    t.match(await page.locator('.scope').innerText(), /read/)

    await page.goto(base + '#/operations')
    await page.getByRole('alert').filter({ hasText: 'admin' }).waitFor()
    t.pass('going to #/operations with a read key says an admin key is needed')

    await page.getByRole('button', { name: en['app.signOut'] }).click()
    await page.getByRole('heading', { name: en['key.title'] }).waitFor()
    t.equal(await page.evaluate(() => sessionStorage.getItem('engine-console-key')), null, 'forgetting the key clears it')
  })

  t.test('search: query, kind tabs, facets with counts, filters, highlights and paging', async (t) => {
    const page = await open(t, { key: KEYS.admin, hash: '#/search' })
    const query = { q: 'energia', kinds: 'organizations,proposals', facets: 'country,region,s3_areas,org_kind,type,status', limit: '10' }
    const expected = await api<SearchResponse>('GET', `/v1/search?${new URLSearchParams(query)}`)
    t.ok(expected.results.length === 10 && expected.nextCursor, 'the API has more than a page for "energia"')

    // Keyboard only: the skip link, then the query box, Enter.
    await page.getByRole('heading', { name: en['search.title'] }).waitFor()
    await page.keyboard.press('Tab')
    t.equal(await page.evaluate(() => document.activeElement?.textContent), en['app.skip'], 'the first tab stop skips to the content')
    await page.keyboard.press('Enter')
    await page.keyboard.press('Tab')
    t.equal(await page.evaluate(() => document.activeElement?.id), 'search-q', 'then the query box')
    await page.keyboard.type('energia')
    await page.keyboard.press('Enter')
    await settled(page)
    t.equal(await page.getByRole('status').filter({ hasText: 'Results' }).innerText(), 'Results 1–10')
    t.same(await texts(page, 'li.result .result-title'), expected.results.map((r) => r.title), 'the titles the API ranks, in its order')
    const marks = await texts(page, 'li.result mark')
    t.ok(marks.length > 0 && marks.every((m) => /energ/i.test(m)), `matched words are highlighted: ${marks.slice(0, 4).join(', ')}`)
    const italy = expected.facets.country?.find((c) => c.value === 'IT')
    t.ok(italy, 'the API counts Italy')
    const italyLabel = await page.locator('fieldset[data-facet=country] label').filter({ hasText: 'Italy' }).textContent()
    t.equal(italyLabel?.replace(/\s+/g, ' ').trim(), `Italy (${italy?.count})`, 'the country facet shows the count')
    await shot(page, 'search-desktop')

    // A filter from the facets: every result is then in that region.
    const region = expected.facets.region?.[0] as { value: string, count: number }
    await page.locator('fieldset[data-facet=region] label').filter({ hasText: region.value }).locator('input').check()
    await page.waitForFunction((r) => {
      const facts = [...document.querySelectorAll('li.result .facts')].map((f) => f.textContent ?? '')
      return facts.length > 0 && facts.every((f) => f.includes(r))
    }, region.value)
    t.pass(`with the region filter, every result is in ${region.value}`)
    await page.locator('fieldset[data-facet=region] label').filter({ hasText: region.value }).locator('input').uncheck()
    await page.waitForFunction(() => document.querySelectorAll('li.result').length === 10)

    // Paging.
    await page.getByRole('button', { name: en['common.next'] }).click()
    await page.getByRole('status').filter({ hasText: 'Results 11–' }).waitFor()
    const second = await api<SearchResponse>('GET', `/v1/search?${new URLSearchParams({ ...query, cursor: expected.nextCursor as string })}`)
    t.same(await texts(page, 'li.result .result-title'), second.results.map((r) => r.title), 'page 2 is the API\'s page 2')
    await page.getByRole('button', { name: en['common.previous'] }).click()
    await page.getByRole('status').filter({ hasText: 'Results 1–10' }).waitFor()

    // Kind tabs, with the arrow keys.
    await page.getByRole('tab', { name: en['search.kind.default'] }).focus()
    await page.keyboard.press('ArrowRight')
    await page.getByRole('tab', { name: en['kind.organizations'], selected: true }).waitFor()
    await page.waitForFunction(() => [...document.querySelectorAll('li.result')].length > 0 && [...document.querySelectorAll('li.result')].every((r) => r.getAttribute('data-kind') === 'organizations'))
    t.pass('the arrow keys move to the Organisations tab, and only organisations are listed')

    // On a phone (a search linked with ?q=): one column, the filters folded above the results.
    const phone = await open(t, { key: KEYS.read, viewport: PHONE, hash: '#/search?q=energia' })
    await settled(phone)
    t.equal(await phone.locator('li.result').count(), 10)
    t.equal(await phone.locator('aside.facets details').getAttribute('open'), null, 'the filters start folded')
    t.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling on a phone')
    await shot(phone, 'search-phone')
  })

  t.test('partner match: ranked organisations, reasons, contributions, profiles side by side', async (t) => {
    const page = await open(t, { key: KEYS.read, hash: '#/match' })
    const expected = await api<PartnerMatchResponse>('POST', '/v1/match/partners', { organizationId: org.id, mode: 'complementary', limit: 10, explain: true }, 'read')
    t.ok(expected.results.length > 3, 'the API finds partners')

    await pick(page, en['match.org'], orgName, org.id)
    await page.getByRole('button', { name: en['match.submit'] }).click()
    await settled(page)
    t.same(await texts(page, 'li.result .result-title'), expected.results.map((r) => r.name), 'the organisations the API ranks, in its order')

    const first = page.locator('li.result').first()
    const top = expected.results[0] as PartnerMatchResponse['results'][number]
    t.same(await first.locator('.reasons ul.summary li').allInnerTexts(), top.reasons.summary, 'the reasons in words')
    const bars = await first.locator('ul.bars li').evaluateAll((lis) => lis.map((li) => ({ feature: li.getAttribute('data-feature'), width: (li.querySelector('.bar-fill') as HTMLElement).style.width, text: li.querySelector('.bar-value')?.textContent ?? '' })))
    const contributing = Object.entries(top.features ?? {}).filter(([, f]) => f && f.contribution !== 0)
    t.equal(bars.length, contributing.length, 'one bar per contributing feature')
    const biggest = contributing.sort((a, b) => Math.abs(b[1]?.contribution ?? 0) - Math.abs(a[1]?.contribution ?? 0))[0] as [string, { contribution: number }]
    t.equal(bars[0]?.feature, biggest[0], `the longest bar first: ${biggest[0]}`)
    t.ok(bars.every((b) => Number.parseFloat(b.width) > 0), 'every bar has a length')
    const sum = bars.reduce((s, b) => s + Number((/^(-?[\d.]+)/.exec(b.text) as RegExpExecArray)[1]), 0)
    t.ok(Math.abs(sum - top.score) < 0.002, `the contributions shown add up to the score (${sum} vs ${top.score})`)
    await shot(page, 'match-desktop')

    // The first result with a matched phrase, compared side by side.
    const withPair = expected.results.findIndex((r) => r.reasons.matched.length > 0)
    t.ok(withPair >= 0, 'a result with a phrase match')
    const pair = (expected.results[withPair] as PartnerMatchResponse['results'][number]).reasons.matched[0] as { sought: string, matched: string }
    const compare = page.locator('li.result').nth(withPair).getByRole('button', { name: en['common.compare'] })
    await compare.click()
    const dialog = page.getByRole('dialog')
    await dialog.locator('.profile h3').nth(1).waitFor()
    await page.waitForFunction(() => document.querySelectorAll('dialog .profile').length === 2 && !document.querySelector('dialog .profile [role=status]'))
    t.same(await dialog.locator('.profile h3').allInnerTexts(), [orgName, (expected.results[withPair] as { name: string }).name], 'both profiles, the seeker on the left')
    const left = await dialog.locator('.profile').nth(0).locator('mark').allInnerTexts()
    const right = await dialog.locator('.profile').nth(1).locator('mark').allInnerTexts()
    t.ok(left.map((m) => m.toLowerCase()).includes(pair.sought.toLowerCase()), `"${pair.sought}" is marked on the seeker's side`)
    t.ok(right.map((m) => m.toLowerCase()).includes(pair.matched.toLowerCase()), `"${pair.matched}" is marked on the candidate's side`)
    await shot(page, 'match-compare-desktop', false)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    t.ok(await compare.evaluate((b) => b === document.activeElement), 'Escape closes it and focus returns to the button')

    await page.setViewportSize(PHONE)
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling on a phone')
    await shot(page, 'match-phone', false, 'li.result')
  })

  t.test('partner match from free text: concepts offered as you type, chips, concepts on both profiles', async (t) => {
    const page = await open(t, { key: KEYS.read, hash: '#/match' })
    const text = 'Cerchiamo partner esperti di idrogeno verde per un impianto pilota'
    await page.getByLabel(en['match.seeker.text']).check()
    await page.getByLabel(en['match.text']).fill(text)
    // Type-ahead over the termbase: English labels in the English console, the Italian one beside.
    const box = page.getByRole('combobox', { name: en['match.competencies'] })
    await box.fill('idrogeno v')
    const offered = await api<{ results: Array<{ id: string, label: string }> }>('GET', '/v1/concepts?q=idrogeno%20v&lang=en&limit=8', undefined, 'read')
    t.ok(offered.results.length > 0, 'the API offers concepts for "idrogeno v"')
    const options = page.getByRole('listbox', { name: en['match.competencies'] }).getByRole('option')
    await options.first().waitFor()
    t.same(await options.locator('.name').allInnerTexts(), offered.results.map((c) => c.label), 'the concepts the API offers, labels in English')
    const hydrogen = offered.results.find((c) => c.label === 'green hydrogen')
    t.ok(hydrogen, 'green hydrogen is offered for "idrogeno v"')
    t.match(await options.first().innerText(), /idrogeno verde/, 'with its Italian label beside')
    await shot(page, 'match-concepts-typeahead-desktop', false)
    const at = offered.results.indexOf(hydrogen as { id: string, label: string })
    for (let i = 0; i < at; i++) await box.press('ArrowDown')
    await box.press('Enter')
    // Words of one's own: Enter keeps them as typed.
    await box.fill('impianto pilota')
    await box.press('Enter')
    const chosen = page.getByRole('list', { name: en['concepts.chosen'] }).getByRole('listitem')
    t.same((await chosen.allInnerTexts()).map((c) => c.replace('×', '').trim()), ['green hydrogen', 'impianto pilota'], 'two chips: the concept by its label, the words as typed')
    t.equal(await chosen.first().getAttribute('title'), 'oi:green-hydrogen', 'the concept chip carries its id')
    t.equal(await box.inputValue(), '', 'the field is empty again')
    await page.getByLabel(en['match.mode.reciprocal']).check()
    await page.getByRole('button', { name: en['match.submit'] }).click()
    await settled(page)
    const expected = await api<PartnerMatchResponse>('POST', '/v1/match/partners', { text, competencies: ['oi:green-hydrogen', 'impianto pilota'], mode: 'reciprocal', limit: 10, explain: true }, 'read')
    t.ok(expected.results.length > 0, 'the API finds partners for the concept')
    t.same(await texts(page, 'li.result .result-title'), expected.results.map((r) => r.name), 'the API\'s order for the concept id and the typed words')
    const firstPairs = await page.locator('li.result').first().locator('.pairs').innerText()
    t.match(firstPairs, /idrogeno verde|green hydrogen/i, 'the chosen concept is among the matched phrases')

    // Removing a chip takes it out of the request.
    await page.getByRole('button', { name: en['concepts.remove'].replace('{phrase}', 'impianto pilota') }).click()
    t.same((await chosen.allInnerTexts()).map((c) => c.replace('×', '').trim()), ['green hydrogen'], 'the chip is gone')

    // Both profiles with the concepts their phrases name; a concept both name is marked.
    await page.locator('li.result').first().getByRole('button', { name: en['common.compare'] }).click()
    const dialog = page.getByRole('dialog')
    await dialog.locator('.profile ul.concepts').nth(1).waitFor()
    const theirs = expected.results[0] as PartnerMatchResponse['results'][number]
    const record = await api<{ competencies?: string[], needs?: string[] }>('GET', `/v1/organizations/${encodeURIComponent(theirs.id)}`, undefined, 'read')
    const linked = await api<{ results: Array<{ concepts: Array<{ id: string, label: string }> }> }>('POST', '/v1/concepts/link', { phrases: [...(record.competencies ?? []), ...(record.needs ?? [])], lang: 'en' }, 'read')
    const labels = [...new Set(linked.results.flatMap((r) => r.concepts.map((c) => c.label)))].sort()
    t.same((await dialog.locator('.profile').nth(1).locator('ul.concepts li').allInnerTexts()).sort(), labels, 'the candidate\'s concepts, as the API links its phrases, in English')
    const shared = await dialog.locator('ul.concepts li.matched').allInnerTexts()
    t.ok(shared.includes('green hydrogen'), `green hydrogen is marked on both sides (${shared.join(', ')})`)
    await shot(page, 'match-concepts-compare-desktop', false)
    await page.keyboard.press('Escape')

    // In Italian: the same concept offered by its Italian label.
    const itPage = await open(t, { key: KEYS.read, hash: '#/match', locale: 'it-IT' })
    await itPage.getByLabel(it['match.seeker.text']).check()
    const itBox = itPage.getByRole('combobox', { name: it['match.competencies'] })
    await itBox.fill('green hyd')
    const itOptions = itPage.getByRole('listbox', { name: it['match.competencies'] }).getByRole('option')
    await itOptions.first().waitFor()
    t.ok((await itOptions.locator('.name').allInnerTexts()).includes('idrogeno verde'), 'typed in English, offered by its Italian label')
    await shot(itPage, 'match-concepts-typeahead-it', false)
  })

  t.test('recommendations for a person and candidates for a proposal, with the same explanations', async (t) => {
    // The first person with recommendations and the first proposal with candidates, as the API says.
    let person: { id: string, expected: RecommendationsResponse } | null = null
    for (const l of lines.filter((l) => l.kind === 'people' && !l.record.optOut).slice(0, 10)) {
      const expected = await api<RecommendationsResponse>('GET', `/v1/people/${l.id}/recommendations?limit=10&explain=true`)
      if (expected.results.length >= 3) { person = { id: l.id, expected }; break }
    }
    t.ok(person, 'a person with recommendations')
    if (!person) return
    const page = await open(t, { key: KEYS.read, hash: `#/recommend?person=${person.id}` })
    await settled(page)
    t.same(await texts(page, 'li.result .result-title'), person.expected.results.map((r) => r.title), 'the recommendations the API ranks, in its order')
    t.ok(await page.locator('li.result').first().locator('ul.bars li').count() > 0, 'with contribution bars')
    await shot(page, 'recommendations-desktop')

    let proposal: { id: string, expected: CandidatesResponse } | null = null
    for (const l of lines.filter((l) => l.kind === 'proposals').slice(0, 15)) {
      const expected = await api<CandidatesResponse>('GET', `/v1/proposals/${l.id}/candidates?limit=10&explain=true`)
      if (expected.results.some((c) => c.type === 'organization') && expected.results.some((c) => c.type === 'person')) { proposal = { id: l.id, expected }; break }
    }
    t.ok(proposal, 'a proposal with candidate organisations and people')
    if (!proposal) return
    await page.goto(`${base}#/recommend?proposal=${proposal.id}`)
    await page.getByRole('tab', { name: en['rec.proposal'], selected: true }).waitFor()
    await page.waitForFunction((n) => document.querySelectorAll('li.result').length === n, proposal.expected.results.length)
    t.same(await texts(page, 'li.result .result-title'), proposal.expected.results.map((c) => c.name), 'the candidates the API lists, in its order')
    t.same(await texts(page, 'li.result .badge'), proposal.expected.results.map((c) => c.type === 'organization' ? 'ORGANISATION' : 'PERSON'), 'organisations and people, marked')
    await page.locator('li.result').first().getByRole('button', { name: en['common.compare'] }).click()
    await page.waitForFunction(() => document.querySelectorAll('dialog .profile').length === 2 && !document.querySelector('dialog .profile [role=status]'))
    t.match(await page.getByRole('dialog').locator('.profile .role').first().innerText(), /PROPOSAL/i, 'the proposal on the left')
    await shot(page, 'candidates-compare-desktop', false)
  })

  t.test('tuning: weights changed in the page re-rank the results beside the current ones', async (t) => {
    const page = await open(t, { key: KEYS.admin, hash: '#/tuning' })
    const expected = await api<PartnerMatchResponse>('POST', '/v1/match/partners', { organizationId: org.id, mode: 'complementary', limit: 50, explain: true })
    await pick(page, en['match.org'], orgName, org.id)
    await page.getByRole('button', { name: en['tune.run'] }).click()
    await page.locator('ol.ranking.tuned li').first().waitFor()
    const top = expected.results.slice(0, 10).map((r) => r.id)
    t.same(await page.locator('ol.ranking.current li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-id'))), top, 'the current ranking is the API\'s')
    t.same(await page.locator('ol.ranking.tuned li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-id'))), top, 'the weights in force give the same order')
    t.equal(await page.getByRole('status').filter({ hasText: 'changed place' }).innerText(), '0 of the top 10 changed place')

    // Past partners weigh everything: the order the same sum gives over the API's feature values.
    const slider = page.locator('#w-past_partner')
    await slider.focus()
    await page.keyboard.press('End')
    const weights = Object.fromEntries(Object.entries(expected.results[0]?.features ?? {}).map(([f, term]) => [f, f === 'past_partner' ? 1 : term?.weight ?? 0]))
    const want = rerank(expected.results, weights).slice(0, 10).map((r) => r.result.id)
    await page.waitForFunction((ids) => JSON.stringify([...document.querySelectorAll('ol.ranking.tuned li')].map((li) => li.getAttribute('data-id'))) === JSON.stringify(ids), want)
    t.notSame(want, top, 'the order changed')
    t.pass('the tuned ranking is the re-ranking of the API\'s feature values')
    t.match(await page.locator('ol.ranking.tuned').innerText(), /up \d|down \d|new in the top/, 'moves are said in words')
    await shot(page, 'tuning-desktop')

    // Starting from the hand-set weights (admin: read from the ranker API).
    await page.getByLabel(en['tune.start']).selectOption('hand-set')
    const ranker = await api<{ handSet: Record<string, number> }>('GET', '/v1/admin/ranker')
    const handSet = rerank(expected.results, ranker.handSet).slice(0, 10).map((r) => r.result.id)
    await page.waitForFunction((ids) => JSON.stringify([...document.querySelectorAll('ol.ranking.tuned li')].map((li) => li.getAttribute('data-id'))) === JSON.stringify(ids), handSet)
    t.pass('the hand-set weights re-rank as the service would rank with them')
    t.match(await page.locator('pre.export').textContent(), /^RANKING_WEIGHTS='\{"semantic_fit":0\.35,/, 'and can be copied as RANKING_WEIGHTS')
  })

  t.test('Italian by default from an Italian browser, English at a click', async (t) => {
    const page = await open(t, { key: KEYS.read, locale: 'it-IT', hash: '#/match' })
    await page.getByRole('heading', { name: it['match.title'] }).waitFor()
    t.equal(await page.evaluate(() => document.documentElement.lang), 'it')
    t.same(await texts(page, 'nav.views a'), [it['nav.search'], it['nav.match'], it['nav.consortium'], it['nav.recommend'], it['nav.tuning']])
    await pick(page, it['match.org'], orgName, org.id)
    await page.getByRole('button', { name: it['match.submit'] }).click()
    await settled(page)
    const reasons = await page.locator('li.result .reasons ul.summary li').allInnerTexts()
    t.ok(reasons.some((r) => /^(Ha ciò che cercate|Stesse aree S3|Anche in|Avete lavorato insieme|\d+ partner in comune|Attiva nelle vostre aree)/.test(r)), `reasons in Italian: ${reasons.slice(0, 2).join(' | ')}`)
    t.ok(await page.getByText('Perché in questa posizione').count() > 0, 'the explanation in Italian')
    await shot(page, 'match-italian-desktop', false)

    await page.getByRole('button', { name: 'English' }).click()
    await page.getByRole('heading', { name: en['match.title'] }).waitFor()
    t.equal(await page.evaluate(() => document.documentElement.lang), 'en')
    t.ok(await page.getByText('Why this rank').count() > 0, 'the results are explained in English at once')
  })

  t.test('the console says what is so, in the console\'s language (issue 34, item 7)', async (t) => {
    // 1. Errors from their codes, naming the thing; a code without words of its own still says its code.
    const page = await open(t, { key: KEYS.read, locale: 'it-IT', hash: '#/recommend?person=person-9999999' })
    const alert = page.getByRole('alert')
    await alert.waitFor()
    t.equal(await alert.innerText(), 'Persona non trovata: person-9999999', 'a missing person, said in Italian from RECORD_NOT_FOUND')
    await page.getByRole('button', { name: 'English' }).click()
    await page.getByRole('heading', { name: en['rec.title'] }).waitFor()
    t.equal(await alert.innerText(), 'Person not found: person-9999999', 'and in English at a click')
    const client = new EngineClient({ baseUrl: base.replace(/\/$/, ''), apiKey: KEYS.read })
    // An NDJSON body where JSON is taken: a refusal no console page can cause, so it has no words of its own.
    const refused = await client.request('POST', '/v1/match/partners', { ndjson: '{}\n' }).catch((err: unknown) => err)
    const code = (refused as ApiError).body && ((refused as ApiError).body as { code?: string }).code
    t.ok(refused instanceof ApiError && typeof code === 'string' && !(`error.${code}` in it), `the service answers a code the console has no words for (${code})`)
    t.equal(errorText(refused, translator('it')), `La richiesta non è andata a buon fine (codice ${code}).`, 'a general sentence in Italian, with the code')
    t.equal(errorText(refused, translator('en')), `The request did not succeed (code ${code}).`)
    const mine = await client.request('GET', '/v1/organizations/org-none').catch((err: unknown) => err)
    t.equal(errorText(mine, translator('it')), 'Organizzazione non trovata: org-none')

    // 2-3. Titles stay whole, marked in place; function words ("per", "le") are never marked.
    const query = 'energia per le imprese'
    const expected = await api<SearchResponse>('GET', `/v1/search?${new URLSearchParams({ q: query, kinds: 'organizations,proposals', facets: 'country,region,s3_areas,org_kind,type,status', limit: '10' })}`)
    t.ok(expected.results.length > 0, `the API finds records for "${query}"`)
    const search = await open(t, { key: KEYS.read, locale: 'it-IT', hash: `#/search?q=${encodeURIComponent(query)}` })
    await settled(search)
    const titles = await texts(search, 'li.result .result-title')
    t.same(titles, expected.results.map((r) => r.title), 'every title is the record\'s own title, whole')
    t.notOk(titles.some((x) => x.startsWith('…')), 'no title starts with "…"')
    const titleMarks = await texts(search, 'li.result .result-title mark')
    t.ok(titleMarks.length > 0, `matched words are marked inside the titles (${titleMarks.slice(0, 3).join(', ')})`)
    const marks = await texts(search, 'li.result mark')
    t.same(marks.filter((m) => !/^(\p{L}+['’])?(energ|impres)/iu.test(m)), [], `only the query's content words are marked, never "per" or "le" (${marks.length} marks)`)
    await shot(search, 'search-italian-titles', false)

    // 4. Indexing behind the store: the Search and match pages say so, per kind, and stop saying it once in sync.
    // Two proposals are stored as an import stores them, before the indexer gets to them.
    const unindexed = ['console-unindexed-1', 'console-unindexed-2']
    const proposals = perKind.proposals ?? 0
    await app.parts.store.db.insertInto('records').values(unindexed.map((id) => ({ kind: 'proposals', id, version: '1', revision: '1', visibility: 'public', body: JSON.stringify({ kind: 'challenge', title: id, body: 'not indexed yet', lang: 'it', version: 1 }) }))).execute()
    const admin = await open(t, { key: KEYS.admin, locale: 'it-IT', hash: '#/search' })
    const notice = admin.locator('[data-testid=indexing-notice]')
    await notice.waitFor()
    t.equal(await notice.innerText(), it['indexing.notice'].replace('{progress}', `${proposals} di ${proposals + 2} proposte`), 'Search: "Indicizzazione in corso: n di m proposte…"')
    await shot(admin, 'search-indexing-notice-it', false)
    await admin.getByRole('button', { name: 'English' }).click()
    await admin.getByRole('heading', { name: en['search.title'] }).waitFor()
    t.equal(await notice.innerText(), en['indexing.notice'].replace('{progress}', `${proposals} of ${proposals + 2} proposals`), 'in English at a click')
    await admin.goto(base + '#/match')
    await admin.getByRole('heading', { name: en['match.title'] }).waitFor()
    await notice.waitFor()
    t.pass('the partner match page says it too')
    await admin.goto(base + '#/recommend')
    await notice.waitFor()
    t.pass('and the recommendations page')
    await app.parts.store.db.deleteFrom('records').where('id', 'in', unindexed).execute()
    await notice.waitFor({ state: 'detached', timeout: 15_000 })
    t.pass('the notice is gone once every kind is in sync')

    // 5. The warm-up in plain words, with the numbers the status gives.
    const ops = await open(t, { key: KEYS.admin, locale: 'it-IT', hash: '#/operations' })
    const warmup = ops.locator('[data-testid=warmup]')
    await warmup.waitFor()
    const w = (await api<{ vectorCache: { warmup: { state: string, vectors: number, records: number, ms: number } } }>('GET', '/v1/status')).vectorCache.warmup
    t.equal(w.state, 'done', 'the warm-up ended')
    const n = (x: number) => new Intl.NumberFormat('it-IT', { maximumFractionDigits: 0 }).format(x)
    const said = await warmup.innerText()
    t.match(said, new RegExp(`^Caricati in memoria all'avvio: ${n(w.vectors)} vettori letti dall'archivio, per ${n(w.records)} record, in \\d+ ms\\.$`), `said plainly: ${said}`)

    // 6. No jargon where a portal user reads: the technical words are for the Operations view.
    const jargon = /sessionStorage|Bearer|API_KEYS|BM25|\bexplain\b|recupero|retrieval|resource allocation|random walk|embedding|lessical|lexical/i
    for (const [lang, table] of [['it', it], ['en', en]] as const) {
      const found = Object.entries(table).filter(([key, text]) => !key.startsWith('ops.') && !key.startsWith('tune.') && jargon.test(text))
      t.same(found, [], `no jargon in the ${lang} messages outside Operations and Tuning`)
    }
    t.match(await ops.locator('[data-testid=keys]').innerText(), /^richieste/, 'Operations says whether keys are required, with the setting\'s name')
    const key = await open(t, { locale: 'it-IT' })
    await key.getByRole('heading', { name: it['key.title'] }).waitFor()
    t.notMatch(await key.locator('main').innerText(), jargon, 'the key prompt says what happens to the key, in plain words')
    const match = await open(t, { key: KEYS.read, locale: 'it-IT', hash: `#/match?org=${org.id}` })
    await settled(match)
    const table = match.locator('li.result').first().locator('details')
    await table.locator('summary').click()
    const features = await table.innerText()
    t.match(features, /Posizione prima del riordino/, 'the retrieval rank, said as what it is')
    t.notMatch(features, jargon, 'every feature named in plain words')

    // 7. An Italian profile lists its ESCO competencies in Italian.
    const italianOf = italianEscoLabels()
    const italianForms = new Set(italianOf.values())
    const profile = lines.find((l) => l.kind === 'organizations' && l.record.lang === 'it' && ((l.record.competencies ?? []) as string[]).some((c) => italianForms.has(c) && !THEME_PHRASES.has(c)))
    t.ok(profile, 'an Italian organisation with an ESCO competency of the termbase')
    if (!profile) return
    const compare = await open(t, { key: KEYS.read, locale: 'it-IT', hash: `#/match?org=${profile.id}` })
    await settled(compare)
    await compare.locator('li.result').first().getByRole('button', { name: it['common.compare'] }).click()
    const left = compare.getByRole('dialog').locator('.profile').first()
    await left.locator('ul.chips').first().waitFor()
    const shown = (await left.locator('ul.chips').first().locator('li').allInnerTexts()).map((c) => c.trim())
    t.same(shown, profile.record.competencies, 'the profile\'s competencies as stored')
    const english = new Set([...italianOf.keys()])
    t.same(shown.filter((c) => english.has(c.toLowerCase()) && italianOf.get(c.toLowerCase()) !== c), [], `no English ESCO label among them: ${shown.join(', ')}`)
    await shot(compare, 'compare-italian-esco', false)
  })

  t.test('operations: sync per kind, queue, model, ranker and its metrics, auto-refresh, admin actions', async (t) => {
    const page = await open(t, { key: KEYS.admin, hash: '#/operations' })
    await page.locator('table.sync tbody tr').first().waitFor()
    t.equal(await page.locator('[data-testid=model]').innerText(), 'all-minilm-l6-v2', 'the model in use')
    for (const [kind, n] of Object.entries(perKind)) {
      t.same(await page.locator(`table.sync tr[data-kind=${kind}] td`).allInnerTexts(), [String(n), String(n), '0', `✓ ${en['ops.inSync']}`], `${kind}: ${n} records, all indexed`)
    }
    t.equal(await page.locator('[data-testid=progress]').innerText(), en['ops.progressIdle'])
    t.match(await page.locator('[data-testid=ranker-source]').innerText(), /Trained model, version 1/)
    t.match(await page.locator('table.metrics').innerText(), new RegExp(String(h2020.trainer.validation.trained.nDCG10).replace('.', '\\.')), 'the held-out nDCG@10 of the active version')
    await shot(page, 'operations-desktop')

    // Auto-refresh: a record written elsewhere shows up without a click.
    const before = Number(await page.locator('table.sync tr[data-kind=organizations] td').first().innerText())
    await app.inject({ method: 'PUT', url: '/v1/organizations/console-test-org', headers: auth('write'), payload: { name: 'Officina Console', kind: 'company', country: 'IT', competencies: ['collaudo di interfacce'], version: 1 } })
    await page.waitForFunction((n) => document.querySelector('table.sync tr[data-kind=organizations] td')?.textContent === String(n), before + 1, { timeout: 15_000 })
    t.pass('the rows of organisations went up by one on the next refresh')

    // Admin actions, each confirmed: train a version (it becomes active), then roll back to version 1.
    await page.getByRole('button', { name: en['ops.train'] }).click()
    await page.locator('[data-testid=ranker-source]').filter({ hasText: 'version 2' }).waitFor({ timeout: 30_000 })
    t.equal(await page.locator('table.versions tbody tr').count(), 2, 'two versions stored')
    await page.getByRole('button', { name: 'Activate version 1' }).click()
    await page.locator('[data-testid=ranker-source]').filter({ hasText: 'version 1' }).waitFor()
    t.equal((await api<{ active: { version: number } }>('GET', '/v1/admin/ranker')).active.version, 1, 'version 1 is active again in the service')

    await page.setViewportSize(PHONE)
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling on a phone')
    await shot(page, 'operations-phone')
  })

  t.test('no script error on any page', async (t) => {
    t.same(pageErrors, [])
  })
})
