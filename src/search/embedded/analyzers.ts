import { stemmer } from 'stemmer'
import { italianLightStem } from './italian-light-stemmer.ts'

/**
 * The embedded index's analyzers, modelled on Elasticsearch's `english` and `italian` so that both
 * backends match and rank alike: tokenize on letters and digits, then
 * - english: drop possessive 's, lower-case, drop Lucene's English stop words, Porter stem;
 * - italian: strip elided articles (l', dell', un'...), lower-case, drop Italian stop words, light stem.
 */
export type Analyzer = (text: string) => string[]

// Letters and digits, keeping inner apostrophes (elision, possessives) and dots (acronyms, decimals) as Lucene's standard tokenizer does.
const TOKEN = /[\p{L}\p{N}]+(?:[.'’][\p{L}\p{N}]+)*/gu

// Lucene's EnglishAnalyzer default stop set.
const ENGLISH_STOP = new Set(['a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with'])

// Italian function words: articles, prepositions and their contractions, pronouns, conjunctions, and
// the common forms of essere/avere (Snowball's list is the model; content words are never stopped).
const ITALIAN_STOP = new Set(`a ad al allo ai agli all alla alle con col coi da dal dallo dai dagli dall dalla dalle di del dello dei
degli dell della delle in nel nello nei negli nell nella nelle su sul sullo sui sugli sull sulla sulle per tra fra il lo la i gli le
l un uno una ma ed se perché anche come dov dove che chi cui non più quale quanto quanti quanta quante quello quelli quella quelle
questo questi questa queste si tutto tutti tutta tutte o e è sono sei siamo siete era erano ero eri fui fu furono sia siano sarà
saranno essere stato stata stati state ho hai ha abbiamo avete hanno avere aveva avevano avuto io tu lui lei noi voi loro mio mia
miei mie tuo tua tuoi tue suo sua suoi sue nostro nostra nostri nostre vostro vostra vostri vostre mi ti ci vi li ne gli lo
c ce me te se sé del già poi ancora molto molti molta molte poco così allora quindi però invece mentre quando dopo prima sempre
anzi cioè ecc ogni altro altri altra altre stesso stessa stessi stesse tanto tanti tanta tante tra`.split(/\s+/).filter(Boolean))

const ELISIONS = new Set(['c', 'l', 'all', 'dall', 'dell', 'nell', 'sull', 'coll', 'pell', 'gl', 'agl', 'dagl', 'degl', 'negl', 'sugl', 'un', 'm', 't', 's', 'v', 'd'])

function tokens (text: string): string[] {
  return text.match(TOKEN) ?? []
}

export const english: Analyzer = (text) => {
  const out: string[] = []
  for (const raw of tokens(text)) {
    let t = raw.toLowerCase().replace(/['’]s$/, '')
    t = t.replace(/['’]/g, '')
    if (!t || ENGLISH_STOP.has(t)) continue
    out.push(stemmer(t))
  }
  return out
}

export const italian: Analyzer = (text) => {
  const out: string[] = []
  for (const raw of tokens(text)) {
    let t = raw.toLowerCase()
    const apostrophe = t.search(/['’]/)
    if (apostrophe > 0 && ELISIONS.has(t.slice(0, apostrophe))) t = t.slice(apostrophe + 1)
    t = t.replace(/['’]/g, '')
    if (!t || ITALIAN_STOP.has(t)) continue
    out.push(italianLightStem(t))
  }
  return out
}
