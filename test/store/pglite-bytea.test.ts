import t from 'tap'
import { types } from '@electric-sql/pglite'
import { sql } from 'kysely'
import { byteaParsers, byteaSerializers } from '../../src/store/pglite-bytea.ts'
import { createStore, openPGlite } from '../../src/store/create-store.ts'
import { Rng } from '../../fixtures/lib/prng.ts'
import { tempDir } from '../helpers/services.ts'

const serialize = byteaSerializers[17]
const parse = byteaParsers[17]
// PGlite's own codec, the reference.
const pgliteSerialize = types.serializers[17] as (x: unknown) => string
const pgliteParse = types.parsers[17] as (x: string, type: number) => Uint8Array
const rng = Rng.of('bytea-test')
const samples = [new Uint8Array(0), Uint8Array.from([0, 1, 15, 16, 127, 128, 254, 255]), ...Array.from({ length: 20 }, () => Uint8Array.from({ length: 1 + rng.int(3000) }, () => rng.int(256)))]

t.test('bytea codec: the same text as PGlite writes, the same bytes as it reads back', async (t) => {
  for (const bytes of samples) {
    const text = serialize(bytes)
    t.equal(text, pgliteSerialize(bytes), `${bytes.length} bytes: same text`)
    t.same(parse(text), pgliteParse(text, 17), `${bytes.length} bytes: same bytes`)
  }
  // A view into a larger buffer writes only its own bytes.
  const big = Uint8Array.from({ length: 64 }, (_, i) => i)
  t.equal(serialize(big.subarray(10, 13)), '\\x0a0b0c')
  t.ok(parse('\\x0a0b').buffer.byteLength === 2, 'a parsed value owns its buffer (no shared pool slab)')
  t.throws(() => serialize('not bytes'), /bytea/)
})

t.test('the embedded store opens PGlite with this codec for bytea', async (t) => {
  const db = await openPGlite(await tempDir(t))
  t.teardown(() => db.close())
  t.equal(db.serializers[17], serialize, 'bytea parameters are written by it')
  t.equal(db.parsers[17], parse, 'bytea results are read by it')
})

t.test('bytea through the embedded store: written and read back unchanged', async (t) => {
  const store = await createStore<Record<string, never>>({ dataDir: await tempDir(t) })
  t.teardown(() => store.close())
  await sql`create table blobs (i int primary key, b bytea not null)`.execute(store.db)
  for (const [i, bytes] of samples.entries()) await sql`insert into blobs values (${i}, ${bytes})`.execute(store.db)
  const rows = (await sql<{ i: number, b: Uint8Array, n: number }>`select i, b, length(b) as n from blobs order by i`.execute(store.db)).rows
  t.equal(rows.length, samples.length)
  for (const r of rows) {
    t.equal(r.n, samples[r.i]?.length, `row ${r.i}: Postgres holds as many bytes as were sent`)
    t.same([...r.b], [...(samples[r.i] as Uint8Array)], `row ${r.i}: the same bytes`)
  }
})
