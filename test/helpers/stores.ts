import type { Test } from 'tap'
import { createStore } from '../../src/store/create-store.ts'
import type { Store } from '../../src/ports/store.ts'
import type { Database } from '../../src/store/schema.ts'
import { freshDatabase, needs, services, tempDir } from './services.ts'

/** Both store adapters, each on a new database: the embedded PGlite and a real Postgres server (null when it is down, off CI). */
export const storeAdapters: Array<{ name: string, open: (t: Test) => Promise<Store<Database> | null> }> = [
  { name: 'pglite', open: async (t) => createStore<Database>({ dataDir: await tempDir(t) }) },
  {
    name: 'postgres',
    open: async (t) => (await needs(t, 'Postgres', services.postgres))
      ? createStore<Database>({ databaseUrl: await freshDatabase(t), dataDir: await tempDir(t) })
      : null
  }
]
