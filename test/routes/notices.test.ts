import t from 'tap'
import { auth, eventually, testApp } from '../helpers/app.ts'
import { tempDir } from '../helpers/services.ts'
import { ORGS } from '../helpers/sample-orgs.ts'
import { NOTICES, noticeLanguage, noticeOf } from '../../src/notices.ts'

t.test('the caller\'s language: Italian when Accept-Language ranks Italian above English, else English', async (t) => {
  const cases: Array<[string | undefined, 'it' | 'en']> = [
    [undefined, 'en'],
    ['', 'en'],
    ['it', 'it'],
    ['it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7', 'it'],
    ['en-GB,en;q=0.9,it;q=0.8', 'en'],
    ['en;q=0.5, it;q=0.8', 'it'],
    ['fr-FR,fr;q=0.9,it;q=0.8,en;q=0.7', 'it'],
    ['fr-FR,fr;q=0.9,en;q=0.8,it;q=0.7', 'en'],
    ['de', 'en'],
    ['*', 'en'],
    ['it;q=0, en', 'en'],
    ['IT-ch', 'it'],
    ['it;q=0.8, en;q=0.8', 'it']
  ]
  for (const [header, lang] of cases) t.equal(noticeLanguage(header), lang, `${JSON.stringify(header)} → ${lang}`)
  t.equal(noticeLanguage(['en;q=0.1', 'it']), 'it', 'a repeated header counts as one list')
})

t.test('the catalogue: every code in both languages, no internals; several codes make one notice', async (t) => {
  for (const [code, text] of Object.entries(NOTICES)) {
    t.ok(text.it && text.en && (text.it as string) !== text.en, `${code}: Italian and English`)
    t.notMatch(`${text.it} ${text.en}`, /\d|pid|process|http/i, `${code}: no numbers, processes or addresses`)
  }
  t.same(noticeOf([], 'it'), {})
  t.same(noticeOf([false, null, undefined], 'en'), {})
  t.same(noticeOf(['NO_CLOSE_MATCH', 'MODEL_UNAVAILABLE', 'MODEL_UNAVAILABLE'], 'it'), { notice: `${NOTICES.NO_CLOSE_MATCH.it}; ${NOTICES.MODEL_UNAVAILABLE.it}`, noticeCode: 'NO_CLOSE_MATCH' })
})

t.test('without a model, every answer that ran on words says so, in the caller\'s language', async (t) => {
  const app = await testApp(t, { MODELS_DIR: await tempDir(t) })
  await app.parts.modelReady
  t.notOk(app.parts.embedder.available, 'no model loaded')
  const put = (kind: string, id: string, body: object) => app.inject({ method: 'PUT', url: `/v1/${kind}/${id}`, payload: { ...body, version: 1 }, headers: auth('write') })
  for (const [id, body] of ORGS) await put('organizations', id, body)
  await put('proposals', 'q1', { kind: 'technology_request', title: 'Riciclo delle batterie', seeks: ['battery recycling'], authorOrganizationId: 'o1' })
  await eventually(async () => (await app.parts.searchIndex.count('organizations')) === ORGS.length && (await app.parts.searchIndex.count('proposals')) === 1, 60_000, 'indexed')
  const italian = { ...auth('read'), 'accept-language': 'it-IT,it;q=0.9,en;q=0.8' }
  const english = { ...auth('read'), 'accept-language': 'en-GB,en;q=0.9' }

  const answers = {
    search: (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/v1/search?q=riciclo%20batterie', headers }),
    'more-like-this': (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/v1/search?moreLikeThis=organizations:o5', headers }),
    'match (text)': (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/match/partners', payload: { text: 'riciclo delle batterie al litio' }, headers }),
    'match (organisation)': (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/match/partners', payload: { organizationId: 'o6' }, headers }),
    'match (proposal)': (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/match/partners', payload: { proposalId: 'q1' }, headers }),
    candidates: (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/v1/proposals/q1/candidates', headers })
  }
  for (const [name, ask] of Object.entries(answers)) {
    for (const [lang, headers] of [['it', italian], ['en', english], ['en', auth('read')]] as const) {
      const res = await ask(headers)
      t.equal(res.statusCode, 200, `${name}: answered`)
      const body = res.json()
      if ('semanticMatching' in body) t.equal(body.semanticMatching, false, `${name}: words only`)
      t.equal(body.noticeCode, 'MODEL_UNAVAILABLE', `${name}: the code`)
      t.equal(body.notice, NOTICES.MODEL_UNAVAILABLE[lang], `${name}: the notice in ${lang}`)
    }
  }

  const none = (await app.inject({ method: 'GET', url: '/v1/search?q=xqzvtrwplk', headers: italian })).json()
  t.same(none.results, [])
  t.equal(none.noticeCode, 'NO_CLOSE_MATCH', 'no close match is the main notice')
  t.equal(none.notice, `${NOTICES.NO_CLOSE_MATCH.it}; ${NOTICES.MODEL_UNAVAILABLE.it}`, 'and words only is said too')
})

t.test('with the model, a match on meaning has no notice; no close match is said in English by default', async (t) => {
  const app = await testApp(t)
  await app.parts.modelReady
  for (const [id, body] of ORGS.slice(0, 3)) await app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload: { ...body, version: 1 }, headers: auth('write') })
  await eventually(async () => (await app.parts.searchIndex.count('organizations')) === 3, 60_000, 'indexed')
  const match = (await app.inject({ method: 'POST', url: '/v1/match/partners', payload: { text: 'sensori IoT per le macchine' }, headers: { ...auth('read'), 'accept-language': 'it' } })).json()
  t.equal(match.semanticMatching, true)
  t.notOk('notice' in match || 'noticeCode' in match, 'nothing to notice')
  const none = (await app.inject({ method: 'GET', url: '/v1/search?q=xqzvtrwplk', headers: auth('read') })).json()
  t.equal(none.notice, 'no close match: no record shares a word or a concept with the query', 'the English text as before')
  t.equal(none.noticeCode, 'NO_CLOSE_MATCH')
  const search = (await app.inject({ method: 'GET', url: '/v1/search?q=sensori', headers: auth('read') })).json()
  t.equal(search.semanticMatching, true)
  t.notOk('notice' in search, 'nothing to notice')
})
