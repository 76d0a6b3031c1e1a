import t from 'tap'
import { auth, eventually } from '../helpers/app.ts'
import { BACKENDS, backendApp } from '../helpers/backend-app.ts'
import { requires } from '../helpers/services.ts'
import { ORGS } from '../helpers/sample-orgs.ts'
import { contentHash, facetTexts, phraseHash } from '../../src/domain/facets.ts'

// A profile written a moment ago, matched before the background worker has embedded it: its pending
// vectors are embedded on demand through the query path, as the pipeline will embed them, so the
// match at once ranks and scores as it does once indexing has finished (with the real model).
const FRESH = {
  name: 'Officina Laser Bergamasca',
  kind: 'company',
  country: 'IT',
  region: 'Lombardia',
  description: 'Saldatura laser di lamiere sottili e controllo delle saldature con telecamere in linea',
  competencies: ['saldatura laser', 'IoT sensors'],
  needs: ['visione artificiale', 'controllo qualità delle saldature in linea']
}
const PROPOSAL = {
  kind: 'technology_request',
  title: 'Monitoraggio delle presse di stampaggio',
  body: 'Cerchiamo chi possa monitorare in continuo le nostre presse e prevederne i guasti',
  seeks: ['condition monitoring', 'previsione dei guasti delle presse'],
  offers: ['linee pilota di stampaggio'],
  authorOrganizationId: 'fresh'
}

interface Answer { semanticMatching?: boolean, notice?: string, results: Array<{ id: string, score: number }> }

for (const backend of BACKENDS) {
  t.test(`${backend}: PUT then match at once ranks and scores as after indexing`, async (t) => {
    const app = await backendApp(t, backend)
    if (!app) return
    await app.parts.modelReady
    if (!requires(t, app.parts.embedder.available, 'the test model is not loaded (npm run models:provision)')) return
    const model = app.parts.embedder.model as string
    const put = (kind: string, id: string, body: object) => app.inject({ method: 'PUT', url: `/v1/${kind}/${id}`, payload: { ...body, version: 1 }, headers: auth('write') })
    for (const [id, body] of ORGS) t.equal((await put('organizations', id, body)).statusCode, 201)
    await put('people', 'e1', { name: 'Elena', organizationId: 'o3', expertise: ['condition monitoring', 'IoT sensors'], interests: ['predictive maintenance'] })
    await eventually(async () => (await app.parts.searchIndex.count('organizations')) === ORGS.length && (await app.parts.searchIndex.count('people')) === 1, 60_000, 'indexed')

    const match = async (payload: object): Promise<Answer> => {
      const res = await app.inject({ method: 'POST', url: '/v1/match/partners', payload: { ...payload, limit: 10 }, headers: auth('read') })
      t.equal(res.statusCode, 200)
      return res.json()
    }
    const candidates = async (): Promise<Answer> => {
      const res = await app.inject({ method: 'GET', url: '/v1/proposals/pfresh/candidates?limit=30', headers: auth('read') })
      t.equal(res.statusCode, 200)
      return res.json()
    }
    /**
     * Writes a record with the worker held (it stays pending), asks at once, lets the worker index it,
     * asks again. One record per indexing job, as a single write gets: the quantised model's vectors
     * depend a little on the texts batched with them, and the on-demand embedding makes the same calls.
     */
    const writeAndAsk = async (kind: string, id: string, body: Record<string, unknown>, pending: string[], asks: Record<string, () => Promise<Answer>>) => {
      await app.pipeline!.relay.stop()
      t.equal((await put(kind, id, body)).statusCode, 201)
      t.equal((await app.parts.vectors.getMany(model, pending)).size, 0, `${id}: its new texts have no stored vectors yet`)
      const atOnce: Record<string, Answer> = {}
      for (const [name, ask] of Object.entries(asks)) atOnce[name] = await ask()
      t.equal((await app.parts.vectors.getMany(model, pending)).size, 0, `${id}: still pending (the vectors were embedded for the requests, not stored)`)
      app.pipeline!.relay.start()
      await eventually(async () => (await app.parts.searchIndex.versionOf(kind as 'organizations', id)) === 1, 60_000, `${id} indexed`)
      await eventually(async () => (await app.parts.vectors.getMany(model, pending)).size === pending.length, 30_000, `${id}: vectors stored`)
      for (const [name, ask] of Object.entries(asks)) {
        const now = atOnce[name] as Answer
        const later = await ask()
        if (name !== 'candidates') t.equal(now.semanticMatching, true, `${name}: matched on meaning at once`)
        t.notOk('notice' in now, `${name}: nothing to notice`)
        t.ok(now.results.length > 0, `${name}: results at once`)
        t.same(now.results.map((r) => r.id), later.results.map((r) => r.id), `${name}: the same ranking at once as after indexing`)
        const worst = Math.max(0, ...now.results.map((r, i) => Math.abs(r.score - (later.results[i]?.score ?? Infinity))))
        t.ok(worst <= 1e-3, `${name}: the same scores within 1e-3 (largest difference ${worst})`)
      }
    }

    await writeAndAsk('organizations', 'fresh', FRESH, [contentHash(facetTexts('organizations', FRESH).profile as string), contentHash(facetTexts('organizations', FRESH).needs as string), phraseHash('controllo qualità delle saldature in linea')], {
      organization: () => match({ organizationId: 'fresh' }),
      reciprocal: () => match({ organizationId: 'fresh', mode: 'reciprocal' })
    })
    await writeAndAsk('proposals', 'pfresh', PROPOSAL, [contentHash(facetTexts('proposals', PROPOSAL).needs as string), phraseHash('previsione dei guasti delle presse')], {
      proposal: () => match({ proposalId: 'pfresh' }),
      candidates
    })
  })
}
