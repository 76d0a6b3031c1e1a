import t from 'tap'
import { existsSync, realpathSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import { auth, testApp } from '../helpers/app.ts'
import { onCleanup, requires } from '../helpers/services.ts'

// Issue 32, case 11: the API docs page (/docs) had no Content-Security-Policy and no
// X-Frame-Options, and /console/app.js.map was served without a key with the server's install
// path in it.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

t.test('/docs renders in chromium under a Content-Security-Policy, with no violation; it cannot be framed', async (t) => {
  if (!requires(t, existsSync(CHROMIUM), `chromium is not installed at ${CHROMIUM} (apt-get install chromium; CHROMIUM_PATH points elsewhere)`)) return
  const app = await testApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

  const page = await app.inject({ method: 'GET', url: '/docs' })
  t.equal(page.statusCode, 200)
  const csp = String(page.headers['content-security-policy'] ?? '')
  t.match(csp, /frame-ancestors 'none'/, `a CSP with frame-ancestors 'none': ${csp}`)
  t.match(csp, /script-src 'self'(;|$)/, 'scripts from this origin only, none inline')
  t.notMatch(csp, /unsafe-inline|unsafe-eval/, 'nothing unsafe allowed')
  t.equal(page.headers['x-frame-options'], 'DENY')
  t.equal(page.headers['x-content-type-options'], 'nosniff')

  const browser = await chromium.launch({ executablePath: CHROMIUM })
  onCleanup(t, () => browser.close())
  const tab = await browser.newPage()
  const violations: string[] = []
  const problems: string[] = []
  await tab.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`)
    })
  })
  tab.on('console', (m) => {
    if (/Content Security Policy|CSP violation|Refused to/i.test(m.text())) violations.push(m.text())
    else if (m.type() === 'error') problems.push(m.text())
  })
  tab.on('pageerror', (err) => problems.push(err.message))
  await tab.goto(`${base}/docs`)
  await tab.locator('.swagger-ui .info .title').waitFor({ timeout: 30_000 })
  t.match(await tab.locator('.swagger-ui .info .title').textContent(), /Skills-matching engine/, 'Swagger UI rendered the OpenAPI document')
  await tab.locator('.opblock').first().waitFor({ timeout: 30_000 })
  const operations = await tab.locator('.opblock').count()
  t.ok(operations > 10, `${operations} operations listed`)
  // Open one operation: its schemas render too (styles, images, fonts all load under the policy).
  await tab.locator('.opblock-summary').first().click()
  await tab.locator('.opblock-body').first().waitFor({ timeout: 10_000 })
  const styled = await tab.evaluate(() => getComputedStyle(document.querySelector('.swagger-ui .info .title') as Element).fontSize)
  t.not(styled, '', `styles applied (title font-size ${styled})`)
  t.same(violations, [], 'no Content-Security-Policy violation in the console')
  t.same(problems, [], 'no error in the console')
})

t.test('every HTML, script, style and JSON answer carries nosniff, DENY and frame-ancestors \'none\'', async (t) => {
  const app = await testApp(t)
  const urls = ['/', '/console/app.js', '/console/styles.css', '/console/favicon.svg', '/console/session', '/console/nothing', '/console/%00',
    '/docs', '/docs/', '/docs/static/index.html', '/docs/static/swagger-ui.css', '/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js', '/docs/json',
    '/health', '/ready', '/v1/status', '/v1/nothing', '/console/%2e%2e/package.json']
  for (const url of urls) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url} (${res.statusCode}): nosniff`)
    t.equal(res.headers['x-frame-options'], 'DENY', `${url}: X-Frame-Options DENY`)
    t.match(String(res.headers['content-security-policy'] ?? ''), /frame-ancestors 'none'/, `${url}: frame-ancestors 'none'`)
  }
})

t.test('no answer under /console shows the server\'s install path, with or without a key', async (t) => {
  const app = await testApp(t)
  const paths = [...new Set([process.cwd(), realpathSync(process.cwd())])]
  const urls = ['/', '/console/app.js', '/console/app.js.map', '/console/styles.css', '/console/favicon.svg', '/console/index.html', '/console/session',
    '/console/', '/console/nothing', '/console/nothing.js.map', '/console/%00', '/console/a%00b', '/console//etc/passwd', '/console/..%2f..%2fpackage.json',
    '/console/%2e%2e/%2e%2e/package.json', '/console/.hidden', '/console/app.js.map?x=1', '/console/styles.css/']
  for (const headers of [{}, auth('admin')]) {
    for (const url of urls) {
      const res = await app.inject({ method: 'GET', url, headers })
      const seen = `${JSON.stringify(res.headers)}\n${res.body}`
      for (const p of paths) t.notOk(seen.includes(p), `${url} (${res.statusCode}${'authorization' in headers ? ', admin key' : ''}): no ${p}`)
    }
  }
  const map = await app.inject({ method: 'GET', url: '/console/app.js.map' })
  t.equal(map.statusCode, 200, 'the source map is served (the console\'s code is the bundle\'s, unminified)')
  const sources = (map.json() as { sources: string[] }).sources
  t.ok(sources.length > 0 && sources.every((s) => !s.startsWith('/') && !/^[A-Za-z]:/.test(s) && !s.startsWith('file:')), 'every source is a relative path')
  t.ok(sources.includes('../src/main.ts'), `named from the console folder (${sources.find((s) => s.endsWith('main.ts'))})`)
})
