import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { Store } from '../ports/store.ts'
import { KyselyStore } from './kysely-store.ts'
import { PGlitePool } from './pglite-pool.ts'
import { byteaParsers, byteaSerializers } from './pglite-bytea.ts'
import { PgListener } from './pg-listener.ts'
import { createPgPool } from './pg-pool.ts'

export interface StoreOptions {
  /** Postgres server URL; when absent the store is PGlite under `dataDir/pglite`. */
  databaseUrl?: string | undefined
  /** Folder for the embedded database. */
  dataDir: string
  /** Max connections to a Postgres server. Default 10. */
  poolSize?: number
}

/** Opens the store the configuration asks for and checks that it answers. */
export async function createStore<DB> (options: StoreOptions): Promise<Store<DB>> {
  let store: Store<DB>
  if (options.databaseUrl) {
    // A connection dropped by the server (restart, failover), idle or in use, must not stop the
    // process: the pool replaces it, and a query that was using it fails as StoreUnavailableError.
    const pool = createPgPool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 })
    store = new KyselyStore<DB>('postgres', pool, redact(options.databaseUrl), new PgListener({ connectionString: options.databaseUrl }))
  } else {
    const folder = resolve(join(options.dataDir, 'pglite'))
    await mkdir(folder, { recursive: true })
    const db = await openPGlite(folder)
    const pool = new PGlitePool(db)
    // In process nothing is lost between notification and listener: no gaps to report.
    store = new KyselyStore<DB>('pglite', pool, folder, {
      listen: (channel, handlers) => pool.listen(channel, (payload) => handlers.onMessage(payload)),
      close: async () => {}
    })
  }
  const health = await store.health()
  if (health.status !== 'up') {
    await store.close().catch(() => {})
    throw new Error(`store (${health.adapter}) is not reachable: ${health.detail}`)
  }
  return store
}

function redact (url: string): string {
  const u = new URL(url)
  if (u.password) u.password = '***'
  return u.toString()
}

/** The embedded database in `folder`, with the store's own bytea codec (pglite-bytea.ts). */
export function openPGlite (folder: string): Promise<PGlite> {
  return PGlite.create(folder, { serializers: byteaSerializers, parsers: byteaParsers })
}
