/** A small, hand-written set of organisations in Italian and English, for retrieval and matching tests. */
export const ORGS: Array<[string, Record<string, unknown>]> = [
  ['o1', { name: 'Meccanica Brianza', kind: 'company', country: 'IT', region: 'Lombardia', description: 'Macchine utensili e manutenzione predittiva delle macchine industriali', competencies: ['manutenzione predittiva', 'macchine utensili'], needs: ['sensori IoT'] }],
  ['o2', { name: 'Politecnico Lab', kind: 'university', country: 'IT', region: 'Lombardia', description: 'Laboratorio di intelligenza artificiale per la manifattura', competencies: ['machine learning', 'visione artificiale'], needs: ['partner industriali'] }],
  ['o3', { name: 'Fraunhofer Sensing', kind: 'research_centre', country: 'DE', description: 'Industrial IoT sensors and condition monitoring of machines', competencies: ['IoT sensors', 'condition monitoring'], needs: ['pilot factories'] }],
  ['o4', { name: 'Cantina Franciacorta', kind: 'company', country: 'IT', region: 'Lombardia', description: 'Vini spumanti, enoturismo e agriturismo', competencies: ['viticoltura', 'enoturismo'], needs: ['marketing digitale'] }],
  ['o5', { name: 'BatteryLoop', kind: 'company', country: 'FR', description: 'Recycling of lithium batteries from electric vehicles', competencies: ['battery recycling', 'hydrometallurgy'], needs: ['battery collection'] }],
  ['o6', { name: 'Riciclo Batterie Srl', kind: 'company', country: 'IT', region: 'Piemonte', description: 'Riciclo delle batterie al litio dei veicoli elettrici', competencies: ['riciclo batterie'], needs: ['impianti pilota'] }],
  ['o7', { name: 'MedTech Milano', kind: 'company', country: 'IT', region: 'Lombardia', description: 'Telemedicina e dispositivi per il monitoraggio remoto dei pazienti', competencies: ['telemedicina', 'dispositivi medici'], needs: ['studi clinici'] }],
  ['o8', { name: 'Clinical Partners', kind: 'company', country: 'NL', description: 'Contract research organisation running clinical trials for medical devices', competencies: ['clinical trials', 'regulatory affairs'], needs: ['device makers'] }],
  ['o9', { name: 'Textile Futures', kind: 'company', country: 'ES', description: 'Technical textiles and sustainable fashion', competencies: ['technical textiles'], needs: ['recycled fibres'] }],
  ['o10', { name: 'Regione Lombardia DG Ricerca', kind: 'public_body', country: 'IT', region: 'Lombardia', description: 'Bandi per la ricerca e innovazione delle imprese lombarde', competencies: ['finanziamenti pubblici'], needs: ['progetti innovativi'] }]
]
