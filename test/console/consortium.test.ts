/**
 * The Consortium view end to end, as a person uses it: the real service (embedded store, index and
 * queue, the all-minilm-l6-v2 model, API keys on) with a 300-record slice of the demo data set,
 * driven through Debian's chromium with playwright-core. A proposal is chosen by name, rules are set,
 * the team is built; then a member is swapped for one of its alternatives, and the coverage and rules
 * the page shows after the swap are checked against what the alternative said it would change and
 * against what the API answers for the same team. Screenshots in English and Italian go to
 * test-output/screenshots/consortium-*.png.
 */
import t from 'tap'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { chromium, type Page } from 'playwright-core'
import { auth, KEYS, testApp } from '../helpers/app.ts'
import { modelsDir, onCleanup, requires } from '../helpers/services.ts'
import { generateRecords, type BulkLine } from '../../fixtures/generate.ts'
import { isProvisioned, modelFolder } from '../../src/embedding/maven-provisioner.ts'
import { modelSpec } from '../../src/embedding/model-catalog.ts'
import { messages, translator } from '../../console/src/i18n.ts'
import { errorText } from '../../console/src/error-text.ts'
import type { ConsortiumRequest, ConsortiumResponse } from '../../console/src/views/consortium.ts'
import { ApiError } from '../../client/index.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SHOTS = 'test-output/screenshots'
const RECORDS = 300
const en = messages.en
const it = messages.it
const DESKTOP = { width: 1280, height: 900 }
const PHONE = { width: 390, height: 844 }

type Member = ConsortiumResponse['members'][number]
type Alternative = NonNullable<Member['alternatives']>[number]

t.test('the Consortium view, in a browser', async (t) => {
  if (!requires(t, existsSync(CHROMIUM), `chromium is not installed at ${CHROMIUM} (apt-get install chromium; CHROMIUM_PATH points elsewhere)`)) return
  if (!requires(t, await isProvisioned(modelFolder(modelsDir, modelSpec('all-minilm-l6-v2'))), 'all-minilm-l6-v2 is not provisioned (npm run models:provision)')) return

  const app = await testApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`
  const consortium = async (body: ConsortiumRequest) => {
    const res = await app.inject({ method: 'POST', url: '/v1/match/consortium', headers: auth('read'), payload: body })
    if (res.statusCode !== 200) throw new Error(`consortium: ${res.statusCode} ${res.body}`)
    return res.json() as ConsortiumResponse
  }

  const lines: BulkLine[] = []
  for await (const line of generateRecords({ records: RECORDS, sharedDataDir: null, log: () => {} })) lines.push(line)
  const imported = await app.inject({ method: 'POST', url: '/v1/bulk', headers: { ...auth('write'), 'content-type': 'application/x-ndjson' }, payload: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' })
  t.match(imported.json(), { lines: RECORDS, created: RECORDS, failed: 0 }, 'the demo slice is imported')
  const launching = chromium.launch({ executablePath: CHROMIUM })
  onCleanup(t, async () => { await (await launching).close() })
  for (const until = Date.now() + 120_000; ;) {
    const status = (await app.inject({ method: 'GET', url: '/v1/status', headers: auth('admin') })).json() as { kinds: Array<{ inSync: boolean }> }
    if (status.kinds.every((k) => k.inSync)) break
    if (Date.now() > until) throw new Error('the demo slice was not indexed within 2 minutes')
    await new Promise((resolve) => setTimeout(resolve, 400))
  }
  const browser = await launching
  await mkdir(SHOTS, { recursive: true })
  const pageErrors: string[] = []

  const open = async (locale: string, viewport = DESKTOP): Promise<Page> => {
    const context = await browser.newContext({ locale, viewport })
    onCleanup(t, () => context.close())
    await context.addInitScript((key) => sessionStorage.setItem('engine-console-key', key), KEYS.read)
    const page = await context.newPage()
    page.on('pageerror', (err) => pageErrors.push(err.message))
    await page.goto(base + '#/consortium')
    return page
  }
  const shot = async (page: Page, name: string, fullPage = true, from?: string) => {
    if (from) await page.locator(from).first().evaluate((e) => e.scrollIntoView({ block: 'start' }))
    else await page.evaluate(() => window.scrollTo(0, 0))
    await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage })
  }
  /** The status line settled on something other than "Loading…". */
  const settled = async (page: Page) => {
    await page.waitForFunction(() => {
      const s = document.querySelector('main [role=status].status')
      return s !== null && s.textContent !== '' && !/Loading|Caricamento/.test(s.textContent ?? '')
    }, undefined, { timeout: 60_000 })
  }
  const pick = async (page: Page, label: string, name: string, id: string) => {
    const box = page.getByRole('combobox', { name: label })
    await box.fill(name)
    await page.waitForFunction((n) => [...document.querySelectorAll('[role=option] .name')].some((o) => o.textContent === n), name)
    const names = await page.getByRole('listbox', { name: label }).getByRole('option').locator('.name').allInnerTexts()
    for (let i = 0; i < names.indexOf(name); i++) await box.press('ArrowDown')
    await box.press('Enter')
    await page.locator('.typeahead .hint').filter({ hasText: `id ${id}` }).waitFor()
  }
  /** What the page shows: the team's ids, each sought competency's state, each rule's state. */
  const shown = async (page: Page) => ({
    members: await page.locator('li.member').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-id'))),
    covered: await page.locator('ul.sought li.covered').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-competency'))),
    uncovered: await page.locator('ul.sought li.uncovered').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-competency'))),
    rules: await page.locator('ul.rule-list li').evaluateAll((lis) => lis.map((li) => `${li.getAttribute('data-rule')}:${li.classList.contains('met') ? 'met' : 'unmet'}`))
  })
  const expectedOf = (r: ConsortiumResponse) => ({
    members: r.members.map((m) => m.organizationId),
    covered: r.coverage.sought.filter((s) => s.coveredBy.length > 0).map((s) => s.competency),
    uncovered: r.coverage.sought.filter((s) => s.coveredBy.length === 0).map((s) => s.competency),
    rules: r.rules.map((x) => `${x.rule}:${x.met ? 'met' : 'unmet'}`)
  })

  // A proposal that seeks several competencies and whose team has an alternative that changes the
  // coverage: the body is the one the page sends for the proposal with size 4 and at least 2 countries.
  const bodyFor = (proposalId: string): ConsortiumRequest => ({ proposalId, size: 4, rules: { minCountries: 2 }, alternatives: 3, explain: true })
  let chosen: { proposal: BulkLine, answer: ConsortiumResponse, member: Member, alternative: Alternative } | null = null
  for (const p of lines.filter((l) => l.kind === 'proposals' && ((l.record.seeks as string[] | undefined)?.length ?? 0) >= 3)) {
    // One the type-ahead offers by its title (GET /v1/search, as the page asks it).
    const found = await app.inject({ method: 'GET', url: `/v1/search?${new URLSearchParams({ q: String(p.record.title), kinds: 'proposals', limit: '8', includeExpired: 'true' })}`, headers: auth('read') })
    if (!(found.json() as { results: Array<{ id: string }> }).results.some((r) => r.id === p.id)) continue
    const answer = await consortium(bodyFor(p.id))
    for (const member of answer.members.filter((m) => m.role === 'proposed')) {
      const alternative = (member.alternatives ?? []).find((a) => a.change.coverageGained.length + a.change.coverageLost.length > 0)
      if (alternative) { chosen = { proposal: p, answer, member, alternative }; break }
    }
    if (chosen) break
  }
  if (!chosen) throw new Error('no demo proposal of the slice has a team with an alternative that changes the coverage')
  const { proposal, answer, member, alternative } = chosen
  const title = String(proposal.record.title)
  t.comment(`proposal ${proposal.id} "${title}": swap ${member.name} for ${alternative.name} (${JSON.stringify(alternative.change)})`)

  t.test('choose a proposal, set the rules, build the team: the page shows the API\'s team, coverage and rules', async (t) => {
    const page = await open('en-GB')
    await page.getByRole('heading', { name: en['consortium.title'] }).waitFor()
    t.ok(await page.getByRole('link', { name: en['nav.consortium'] }).count(), 'the view is in the navigation')
    await page.getByLabel(en['consortium.seeker.proposal']).check()
    await pick(page, en['consortium.proposal'], title, proposal.id)
    await page.getByRole('spinbutton', { name: en['consortium.size'] }).fill('4')
    await page.getByRole('spinbutton', { name: en['consortium.minCountries'] }).fill('2')
    await page.getByRole('button', { name: en['consortium.submit'] }).click()
    await settled(page)
    const before = await shown(page)
    t.same(before, expectedOf(answer), 'the members, the covered and uncovered competencies and the rules are the API\'s')
    t.equal(await page.locator('li.member .gain').count(), answer.members.filter((m) => m.role !== 'seeker').length, 'each member says what it adds to the team')
    t.equal(await page.locator('.coverage .share').innerText(), en['consortium.share'].replace('{share}', String(Math.round(answer.coverage.share * 100))), 'the share covered')
    await shot(page, 'consortium-desktop')

    // Swap: open the member's alternatives and swap the chosen one in.
    const card = page.locator(`li.member[data-id="${member.organizationId}"]`)
    await card.locator('details.alternatives summary').click()
    await shot(page, 'consortium-alternatives-desktop')
    await card.getByRole('button', { name: en['consortium.swap'].replace('{name}', alternative.name) }).click()
    await page.locator('.swap-note').waitFor()
    await settled(page)
    const after = await shown(page)
    t.ok(after.members.includes(alternative.organizationId) && !after.members.includes(member.organizationId), `${alternative.name} is in the team in place of ${member.name}`)
    const stated = new Set(before.uncovered.filter((c) => !alternative.change.coverageGained.includes(c as string)).concat(alternative.change.coverageLost))
    t.same(new Set(after.uncovered), stated, `the uncovered competencies changed as the alternative said (gained ${alternative.change.coverageGained.join(', ') || 'none'}, lost ${alternative.change.coverageLost.join(', ') || 'none'})`)
    const swapped = await consortium({ ...bodyFor(proposal.id), include: answer.members.filter((m) => m.role === 'proposed' && m.organizationId !== member.organizationId).map((m) => m.organizationId).concat(alternative.organizationId), exclude: [member.organizationId] })
    t.same(after, expectedOf(swapped), 'and the page shows what the API answers for the swapped team')
    const broken = alternative.change.rulesBroken
    t.same(after.rules.filter((r) => r.endsWith(':unmet')).map((r) => r.replace(/:unmet$/, '')).filter((r) => !before.rules.includes(`${r}:unmet`)), broken, 'the rules it said it would break are the rules newly unmet')
    t.match(await page.locator('.swap-note').innerText(), new RegExp(`${alternative.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in place of`), 'the swap is said in words')
    await shot(page, 'consortium-swapped-desktop')

    // In Italian, the same team after the swap with Italian labels.
    await page.getByRole('button', { name: 'Italiano' }).click()
    await page.getByRole('heading', { name: it['consortium.title'] }).waitFor()
    t.match(await page.locator('.rules h2').innerText(), it['consortium.rulesResult'], 'the rules box in Italian')
    t.match(await page.locator('.coverage .share').innerText(), /delle competenze cercate/, 'the coverage in Italian')
    await shot(page, 'consortium-swapped-it')

    await page.setViewportSize(PHONE)
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling on a phone')
    await shot(page, 'consortium-phone-it', false, '.swap-bar')
  })

  t.test('in Italian from the start: free text with competencies; an incomplete form and a refused request are said in Italian', async (t) => {
    const page = await open('it-IT')
    await page.getByRole('heading', { name: it['consortium.title'] }).waitFor()
    await page.getByLabel(it['consortium.seeker.text']).check()
    await page.getByLabel(it['consortium.text']).fill('ab')
    await page.getByRole('button', { name: it['consortium.submit'] }).click()
    await page.getByRole('alert').filter({ hasText: it['consortium.needSeeker'] }).waitFor()
    t.pass('a text too short is refused in the page, in Italian')

    const text = 'Progetto su energia rinnovabile e reti intelligenti per i distretti industriali'
    const sought = ['energia solare', 'smart grid', 'analisi dei dati']
    await page.getByLabel(it['consortium.text']).fill(text)
    const box = page.getByRole('combobox', { name: it['match.competencies'] })
    for (const s of sought) { await box.fill(s); await box.press('Enter') }
    await page.getByRole('button', { name: it['consortium.submit'] }).click()
    await settled(page)
    const expected = await consortium({ text, competencies: sought, size: 4, rules: { minCountries: 3 }, alternatives: 3, explain: true })
    t.same(await shown(page), expectedOf(expected), 'the API\'s team for the text and the three competencies')
    t.same((await page.locator('ul.sought li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-competency')))).sort(), expected.coverage.sought.map((s) => s.competency).sort(), 'every sought competency is listed, covered or not')
    await shot(page, 'consortium-text-it')

    // A rule the service refuses (more members of one kind than the team has places): its error, in Italian.
    await page.getByRole('spinbutton', { name: it['consortium.size'] }).fill('2')
    await page.getByRole('spinbutton', { name: it['value.university'], exact: true }).fill('5')
    await page.getByRole('button', { name: it['consortium.submit'] }).click()
    const alert = page.locator('main p.error[role=alert]')
    await alert.waitFor()
    const refused = await app.inject({ method: 'POST', url: '/v1/match/consortium', headers: auth('read'), payload: { text, competencies: sought, size: 2, rules: { minCountries: 3, requiredKinds: [{ kind: 'university', min: 5 }] }, alternatives: 3, explain: true } })
    t.equal(refused.statusCode, 400, 'the API refuses it')
    const error = new ApiError(refused.statusCode, String(refused.json().message), refused.json(), null)
    const said = await alert.innerText()
    t.ok(said.startsWith(errorText(error, translator('it'))), `said from its code, in Italian: ${said}`)
    t.match(said, /Campo: «(Almeno questo numero di paesi|Almeno questo numero per tipo)»/, 'naming the field refused by the label the form gives it')
    t.equal(await page.locator('li.member').count(), 0, 'and the team asked before is no longer shown as if it were the answer')
    await shot(page, 'consortium-error-it', false, 'main p.error[role=alert]')
  })

  t.test('no script error on the page', async (t) => {
    t.same(pageErrors, [])
  })
})
