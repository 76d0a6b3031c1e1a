/**
 * The countries a Horizon Europe rule counts (`minEuCountries`): the EU member states and the
 * countries associated to Horizon Europe, by ISO 3166-1 alpha-2 code. The EU's own codes are also
 * taken (EL for Greece, UK for the United Kingdom: CORDIS data writes them so).
 *
 * Source: European Commission, "List of participating countries in Horizon Europe" (Funding & Tenders
 * portal, reference documents: list-3rd-country-participation_horizon-euratom_en.pdf), as of 2025.
 * Canada, New Zealand and Korea are associated to Pillar II only; a call outside Pillar II does not
 * count them, which this list cannot know: it names them here and says so in the rule's detail.
 * Update this file when the Commission's list changes; nothing else holds country lists.
 */

export const EU_MEMBER_STATES: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU',
  'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  // The EU's own code for Greece.
  'EL'
])

export const HORIZON_EUROPE_ASSOCIATED: ReadonlySet<string> = new Set([
  'AL', 'AM', 'BA', 'FO', 'GE', 'IS', 'IL', 'XK', 'MD', 'ME', 'MK', 'NO', 'RS', 'TN', 'TR', 'UA',
  // United Kingdom (from 2024; the EU writes UK), Switzerland (from 2025).
  'GB', 'UK', 'CH',
  // Pillar II only.
  'CA', 'NZ', 'KR'
])

/** Associated to Pillar II only (see above). */
export const PILLAR_TWO_ONLY: ReadonlySet<string> = new Set(['CA', 'NZ', 'KR'])

/** One spelling per country: EL is GR and UK is GB (counting distinct countries). */
export function canonicalCountry (code: string): string {
  // Asked for every candidate at every step of the search: remembered (a few hundred codes at most).
  let c = canonical.get(code)
  if (c === undefined) {
    const upper = code.trim().toUpperCase()
    c = upper === 'EL' ? 'GR' : upper === 'UK' ? 'GB' : upper
    if (canonical.size < 1000) canonical.set(code, c)
  }
  return c
}

const canonical = new Map<string, string>()

/** Whether a country counts for `minEuCountries`: an EU member state or a Horizon Europe associated country. */
export function isEuOrAssociated (code: string): boolean {
  const c = code.trim().toUpperCase()
  return EU_MEMBER_STATES.has(c) || HORIZON_EUROPE_ASSOCIATED.has(c)
}
