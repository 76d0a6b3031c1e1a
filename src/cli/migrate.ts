// `npm run migrate`: brings the store's schema to the latest version and exits.
import { loadConfig } from '../../config/load.ts'
import { createStore } from '../store/create-store.ts'
import { migrateToLatest } from '../store/migrate.ts'

const config = loadConfig()
const store = await createStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR })
try {
  const applied = await migrateToLatest(store.db)
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'schema is up to date')
} finally {
  await store.close()
}
