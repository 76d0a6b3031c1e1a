import t from 'tap'
import { readFileSync } from 'node:fs'
import { auth, eventually } from '../helpers/app.ts'
import { backendApp, BACKENDS } from '../helpers/backend-app.ts'
import { RankerModels } from '../../src/match/ranker/ranker-models.ts'
import type { Weights } from '../../src/match/features.ts'

// The weights the trainer learned from Horizon 2020 history (bench/h2020-partners.ts), as in
// match-partners.test.ts: the scenarios must hold with them active as with the hand-set weights.
const h2020 = JSON.parse(readFileSync(new URL('../../bench/results/h2020-partners.json', import.meta.url), 'utf8')) as { perMethod: Record<string, { weights: Weights }> }
const RANKERS: Array<{ name: string, weights: Weights | null }> = [
  { name: 'hand-set weights', weights: null },
  { name: 'the ranker trained on Horizon 2020', weights: (h2020.perMethod['matcher: trained ranker'] as { weights: Weights }).weights }
]

interface Org { name: string, competencies: string[], needs: string[] }
interface Scenario { domain: string, languages: string, seeker: Org, twoSided: Org, oneSided: Org, distractor: Org }

/**
 * Reciprocal scenarios, one per domain, in Italian, in English and across the two (two with an acronym). In each, the seeker
 * offers something and seeks something; the two-sided partner has what is sought and needs what the
 * seeker offers, in other words or the other language (the same concept); the one-sided partner has
 * what is sought, often in the seeker's own words, but needs something the seeker does not offer; the
 * distractor has neither. Chosen so that the one-sided partner is the tempting one: its texts are
 * closer to the seeker's, so whole-facet cosines and lexical scores favour it.
 */
const SCENARIOS: Scenario[] = [
  {
    domain: 'manufacturing',
    languages: 'it',
    seeker: { name: 'Officina Meccanica Colombo', competencies: ['lavorazioni CNC'], needs: ['sensori IoT industriali'] },
    twoSided: { name: 'Sensoristica Brianza', competencies: ['sensori IoT industriali'], needs: ['lavorazioni meccaniche CNC'] },
    oneSided: { name: 'IoT Lombardia', competencies: ['sensori IoT industriali'], needs: ['consulenza fiscale'] },
    distractor: { name: 'Cantina del Garda', competencies: ['enoturismo'], needs: ['imbottigliamento'] }
  },
  {
    domain: 'medical devices',
    languages: 'en',
    seeker: { name: 'MedReg Consulting', competencies: ['medical device regulatory affairs'], needs: ['biocompatibility testing'] },
    twoSided: { name: 'BioTest Labs', competencies: ['biocompatibility testing'], needs: ['regulatory affairs for medical devices'] },
    oneSided: { name: 'Biocompat Services', competencies: ['biocompatibility testing'], needs: ['venture capital'] },
    distractor: { name: 'Cold Chain Movers', competencies: ['cold chain logistics'], needs: ['warehouse automation'] }
  },
  {
    domain: 'energy storage',
    languages: 'it ↔ en',
    seeker: { name: 'Ricicla Batterie Srl', competencies: ['riciclo delle batterie'], needs: ['sistemi di accumulo'] },
    twoSided: { name: 'StorageTech Ltd', competencies: ['energy storage systems'], needs: ['battery recycling'] },
    oneSided: { name: 'Accumuli Padani', competencies: ['sistemi di accumulo'], needs: ['marketing digitale'] },
    distractor: { name: 'Vineyard Robotics', competencies: ['viticulture'], needs: ['precision agriculture'] }
  },
  {
    domain: 'textiles',
    languages: 'it ↔ en',
    seeker: { name: 'Tessitura Comasca', competencies: ['tessuti tecnici'], needs: ['stampa 3D'] },
    twoSided: { name: 'Additive Works', competencies: ['additive manufacturing'], needs: ['technical textiles'] },
    oneSided: { name: 'Stampa3D Bergamo', competencies: ['stampa 3D'], needs: ['certificazione ISO 9001'] },
    distractor: { name: 'CyberDifesa', competencies: ['sicurezza informatica'], needs: ['test di penetrazione'] }
  },
  {
    domain: 'agrifood',
    languages: 'en ↔ it',
    seeker: { name: 'Precision Farms', competencies: ['precision agriculture'], needs: ['compostable packaging'] },
    twoSided: { name: 'Imballaggi Verdi', competencies: ['imballaggi compostabili'], needs: ['agricoltura di precisione'] },
    oneSided: { name: 'Compost Pack Ltd', competencies: ['compostable packaging'], needs: ['office furniture'] },
    distractor: { name: 'PenTest Pro', competencies: ['penetration testing'], needs: ['cloud hosting'] }
  },
  {
    domain: 'digital',
    languages: 'it',
    seeker: { name: 'Sicurezza Digitale Spa', competencies: ['sicurezza informatica'], needs: ['analisi dei big data'] },
    twoSided: { name: 'Dati e Analisi', competencies: ['analisi dei big data'], needs: ['servizi di sicurezza informatica'] },
    oneSided: { name: 'BigData Milano', competencies: ['analisi dei big data'], needs: ['affitto di capannoni'] },
    distractor: { name: 'Agriturismo Valtellina', competencies: ['viticoltura'], needs: ['promozione turistica'] }
  },
  {
    domain: 'construction',
    languages: 'en ↔ it',
    seeker: { name: 'GreenBuild Engineering', competencies: ['energy efficiency in buildings'], needs: ['building information modelling'] },
    twoSided: { name: 'Studio BIM Lecco', competencies: ['BIM'], needs: ['efficienza energetica degli edifici'] },
    oneSided: { name: 'BIM Experts Ltd', competencies: ['building information modelling'], needs: ['legal advice'] },
    distractor: { name: 'Textile Dyes', competencies: ['textile dyeing'], needs: ['wastewater treatment'] }
  },
  {
    domain: 'sustainability reporting',
    languages: 'it, an acronym',
    seeker: { name: 'Consulenza ESG Brescia', competencies: ['rendicontazione ESG'], needs: ['valutazione del ciclo di vita'] },
    twoSided: { name: 'Studio LCA Varese', competencies: ['LCA'], needs: ['ESG reporting'] },
    oneSided: { name: 'Ciclo di Vita Srl', competencies: ['valutazione del ciclo di vita'], needs: ['consulenza fiscale'] },
    distractor: { name: 'Robotica Agricola', competencies: ['agricoltura di precisione'], needs: ['droni'] }
  },
  {
    domain: 'computing',
    languages: 'en ↔ it, an acronym',
    seeker: { name: 'Additive Parts Ltd', competencies: ['additive manufacturing'], needs: ['high performance computing'] },
    twoSided: { name: 'Calcolo Lombardo', competencies: ['HPC'], needs: ['stampa 3D'] },
    oneSided: { name: 'Compute Cloud Ltd', competencies: ['high performance computing'], needs: ['tax consultancy'] },
    distractor: { name: 'Cantina Oltrepò', competencies: ['enoturismo'], needs: ['marketing digitale'] }
  }
]

const ROLES = ['seeker', 'twoSided', 'oneSided', 'distractor'] as const

for (const backend of BACKENDS) {
  for (const ranker of RANKERS) {
    t.test(`reciprocal scenarios on ${backend}, ${ranker.name}: the two-sided partner above the one-sided one`, async (t) => {
      const app = await backendApp(t, backend)
      if (!app) return
      if (ranker.weights) {
        await new RankerModels(app.parts.store.db).save('partners', ranker.weights, { source: 'bench/results/h2020-partners.json' }, true)
        await app.parts.ranker.reload()
      }
      const put = (id: string, o: Org) => app.inject({ method: 'PUT', url: `/v1/organizations/${id}`, payload: { ...o, kind: 'company', country: 'IT', version: 1 }, headers: auth('write') })
      for (const [i, s] of SCENARIOS.entries()) for (const role of ROLES) t.equal((await put(`${role}-${i}`, s[role])).statusCode, 201)
      await eventually(async () => (await app.parts.searchIndex.count('organizations')) === SCENARIOS.length * ROLES.length, 120_000, 'indexed')
      for (const [i, s] of SCENARIOS.entries()) {
        const res = await app.inject({ method: 'POST', url: '/v1/match/partners', headers: auth('read'), payload: { organizationId: `seeker-${i}`, mode: 'reciprocal', explain: true, limit: 20 } })
        t.equal(res.statusCode, 200)
        const results = res.json().results as Array<{ id: string, score: number, reasons: { matchedBack: unknown[] }, features: Record<string, { value: number }> }>
        const ids = results.map((r) => r.id)
        const two = ids.indexOf(`twoSided-${i}`)
        const one = ids.indexOf(`oneSided-${i}`)
        const scores = results.filter((r) => r.id.endsWith(`-${i}`)).map((r) => `${r.id} ${r.score} (two_sided ${r.features.two_sided?.value})`).join(', ')
        t.ok(two >= 0 && (one < 0 || two < one), `${s.domain} (${s.languages}): two-sided first: ${scores}`)
        t.ok((results[two]?.reasons.matchedBack.length ?? 0) > 0, `${s.domain}: says which of their needs you meet`)
        t.equal(results.find((r) => r.id === `oneSided-${i}`)?.features.two_sided?.value ?? 0, 0, `${s.domain}: the one-sided partner is not two-sided`)
      }
    })
  }
}
