// `npm run demo:load`: loads the demo data set (the committed seed, fixtures/README.md) into the
// store through the bulk import path, for the deployments where the service does not load it at a
// first start (DEMO_DATA loads it only on the embedded default, never with DATABASE_URL).
//
//   npm run demo:load                     write it into the store (DATABASE_URL, else PGlite under
//                                         DATA_DIR: stop the service first, PGlite has one process);
//                                         refused if the store already holds records
//   npm run demo:load -- --force          write it even so (the same versions: a replay changes nothing)
//   npm run --silent demo:load -- --ndjson   print it as NDJSON instead, for POST /v1/bulk
//
// Writing commits the records and their outbox rows, as POST /v1/bulk does: a running API
// (RUN_WORKERS=true) or `npm run worker` process picks the rows up and indexes them.
import { Readable } from 'node:stream'
import { loadConfig } from '../../config/load.ts'
import { demoLines } from '../../fixtures/generate.ts'
import { createStore } from '../store/create-store.ts'
import { migrateToLatest } from '../store/migrate.ts'
import { importNdjson } from '../records/bulk-import.ts'
import type { Database } from '../store/schema.ts'

const args = new Set(process.argv.slice(2))
for (const a of args) if (!['--ndjson', '--force'].includes(a)) throw new Error(`unknown argument "${a}": --ndjson or --force`)
const log = (m: string) => console.error(m)

if (args.has('--ndjson')) {
  for await (const line of demoLines({ log })) {
    if (!process.stdout.write(JSON.stringify(line) + '\n')) await new Promise((resolve) => process.stdout.once('drain', resolve))
  }
} else {
  const config = loadConfig()
  const store = await createStore<Database>({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR })
  try {
    await migrateToLatest(store.db)
    const any = await store.db.selectFrom('records').select('id').limit(1).executeTakeFirst()
    if (any && !args.has('--force')) {
      console.error('the store already holds records: nothing loaded (--force loads the demo beside them)')
      process.exitCode = 1
    } else {
      const lines = Readable.from((async function * () {
        for await (const line of demoLines({ log })) yield JSON.stringify(line) + '\n'
      })())
      const summary = await importNdjson(store.db, lines)
      console.log(`demo data: ${summary.lines} lines, ${summary.created} created, ${summary.updated} updated, ` +
        `${summary.unchanged} unchanged, ${summary.failed} rejected in ${(summary.durationMs / 1000).toFixed(1)} s; ` +
        'a running API (RUN_WORKERS=true) or worker process indexes them')
      if (summary.failed > 0) {
        for (const e of summary.errors.slice(0, 10)) console.error(`line ${e.line}: ${e.field} ${e.problem}`)
        process.exitCode = 1
      }
    }
  } finally {
    await store.close()
  }
}
