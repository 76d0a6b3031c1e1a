import t from 'tap'
import { esKnn, esLexicalTop, MAX_POST_FILTERED_IDS } from '../../../src/search/elasticsearch/elasticsearch-query.ts'
import { vectorBase64 } from '../../../src/search/vector-base64.ts'

const vector = Float32Array.from({ length: 8 }, (_, i) => (i - 3) / 10)

t.test('a kNN search sends its query vector in base64, as Elasticsearch reads document vectors', async (t) => {
  const body = esKnn({ facet: 'competencies', vector }, {}, 10)
  const knn = (body.query as { knn: Record<string, unknown> }).knn
  t.equal(knn.field, 'vec_competencies')
  t.equal(knn.query_vector, vectorBase64(vector), 'base64 of the float32 bytes, not a list of decimals')
  t.equal(knn.k, 10)
  t.equal(body.size, 10)
  t.notOk(body.post_filter, 'nothing left out late without excluded ids')
})

t.test('excluded ids are left out after the search, which asks for as many more neighbours', async (t) => {
  const body = esKnn({ facet: 'needs', vector }, { noneOf: { id: ['a', 'b'], visibility: ['private'] } }, 10)
  const knn = (body.query as { knn: Record<string, unknown> }).knn
  t.equal(knn.k, 12)
  t.equal(body.size, 12)
  t.same(body.post_filter, { bool: { must_not: { terms: { id: ['a', 'b'] } } } })
  t.notMatch(JSON.stringify(knn.filter), /"id"/, 'the ids are not in the graph search filter')
  t.match(JSON.stringify(knn.filter), /private/, 'the other exclusions stay in it')
  const many = Array.from({ length: MAX_POST_FILTERED_IDS + 1 }, (_, i) => `id${i}`)
  const wide = esKnn({ facet: 'needs', vector }, { noneOf: { id: many } }, 10)
  t.equal((wide.query as { knn: { k: number } }).knn.k, 10, 'past the limit the ids go into the filter instead')
  t.notOk(wide.post_filter)
})

t.test('a lexical search for its top hits applies the exclusions as it collects, the rest in the query', async (t) => {
  const body = esLexicalTop({ text: 'reti 5G', fields: { title: 2 } }, { anyOf: { status: ['open'] }, noneOf: { id: ['a'], visibility: ['private'] }, flags: { opt_out: false } })
  const query = JSON.stringify(body.query)
  t.match(query, /"status"/, 'what must hold stays in the query')
  t.notMatch(query, /private|"id"|opt_out/, 'no exclusion in the query')
  t.same(body.post_filter, { bool: { filter: [{ bool: { must_not: [{ terms: { id: ['a'] } }, { terms: { visibility: ['private'] } }, { term: { opt_out: true } }] } }] } })
  const required = esLexicalTop({ text: 'x', fields: { title: 1 } }, { flags: { opt_out: true } })
  t.match(JSON.stringify(required.query), /opt_out/, 'a flag that must be true is a requirement, not an exclusion')
  t.notOk(required.post_filter, 'no post_filter without exclusions')
})
