/**
 * Triplets written for this project: the anchor must be closer to `near` than to `far`.
 * Italian and English, in the language of open-innovation profiles and proposals.
 */
export const SEMANTIC_TRIPLETS: ReadonlyArray<{ lang: 'en' | 'it', anchor: string, near: string, far: string }> = [
  { lang: 'en', anchor: 'predictive maintenance with machine learning for factory equipment', near: 'AI that forecasts failures of industrial machines', far: 'wine tourism and farm holidays' },
  { lang: 'en', anchor: 'we seek a partner for clinical trials of a new cancer drug', near: 'contract research organisation running oncology clinical studies', far: 'recycling of construction and demolition waste' },
  { lang: 'en', anchor: 'solar panels and photovoltaic energy storage', near: 'renewable power from sunlight with batteries', far: 'fashion design and luxury textiles' },
  { lang: 'en', anchor: 'cybersecurity for banking and payment systems', near: 'protecting financial transactions from hackers', far: 'organic farming of vegetables' },
  { lang: 'en', anchor: 'university lab expert in graphene and nanomaterials', near: 'research centre working on two-dimensional carbon materials', far: 'hotel booking platform for tourists' },
  { lang: 'en', anchor: 'precision agriculture with drones and soil sensors', near: 'monitoring crops from the air to optimise irrigation', far: 'software for accounting firms' },
  { lang: 'en', anchor: 'electric vehicle battery recycling', near: 'recovering lithium from used car batteries', far: 'museum exhibitions of renaissance paintings' },
  { lang: 'it', anchor: 'manutenzione predittiva con intelligenza artificiale per impianti industriali', near: 'algoritmi di machine learning per prevedere i guasti delle macchine', far: 'agriturismo e vacanze in campagna' },
  { lang: 'it', anchor: 'cerchiamo un partner per la sperimentazione clinica di un farmaco oncologico', near: 'studi clinici in oncologia su nuovi farmaci', far: 'riciclo dei rifiuti da costruzione e demolizione' },
  { lang: 'it', anchor: 'pannelli solari e accumulo di energia fotovoltaica', near: 'impianti fotovoltaici con batterie per energia rinnovabile', far: 'moda e tessuti di lusso' },
  { lang: 'it', anchor: 'sicurezza informatica per banche e sistemi di pagamento', near: 'protezione delle transazioni finanziarie dagli attacchi informatici', far: 'coltivazione biologica di ortaggi' },
  { lang: 'it', anchor: 'robotica collaborativa per la produzione manifatturiera', near: 'robot che lavorano accanto agli operatori in fabbrica', far: 'turismo enogastronomico in Lombardia' },
  { lang: 'it', anchor: 'riciclo delle batterie dei veicoli elettrici', near: 'recupero del litio dalle batterie esauste delle auto', far: 'mostre museali di pittura rinascimentale' },
  { lang: 'it', anchor: 'telemedicina e monitoraggio remoto dei pazienti', near: 'dispositivi digitali per seguire i pazienti a domicilio', far: 'produzione di formaggi tipici' }
]
