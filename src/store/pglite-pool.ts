import type { PGlite } from '@electric-sql/pglite'
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'

/**
 * Lets Kysely's own PostgresDialect drive an in-process PGlite database, so both stores share one
 * dialect, one set of queries and one migration path. Hand-written because the published
 * kysely-pglite package pulls a CLI and code generator into production dependencies.
 *
 * PGlite is a single connection: a client is lent to one borrower at a time, so a transaction
 * never interleaves with another caller's statements.
 */
export class PGlitePool implements PostgresPool {
  private tail: Promise<void> = Promise.resolve()

  constructor (private readonly pg: PGlite) {}

  async connect (): Promise<PostgresPoolClient> {
    let release!: () => void
    const turn = new Promise<void>((resolve) => { release = resolve })
    const previous = this.tail
    this.tail = previous.then(() => turn)
    await previous
    const pg = this.pg
    return {
      async query<R> (sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
        const result = await pg.query<R>(sql, parameters as unknown[], { rowMode: 'object' })
        return {
          command: commandOf(sql),
          rowCount: result.affectedRows ?? result.rows.length,
          rows: result.rows
        }
      },
      release
    } as unknown as PostgresPoolClient
  }

  /**
   * LISTEN through the pool's turn, so the statement never lands inside another borrower's
   * transaction (one connection: a rolled-back transaction would undo it).
   */
  async listen (channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    const turn = await this.connect()
    let unlisten: () => Promise<void>
    try {
      unlisten = await this.pg.listen(channel, onMessage)
    } finally {
      turn.release()
    }
    return async () => {
      const t = await this.connect()
      try { await unlisten() } finally { t.release() }
    }
  }

  async end (): Promise<void> {
    await this.tail
    await this.pg.close()
  }
}

// Kysely reads `command` to decide whether rowCount means "affected rows" (writes) or not.
function commandOf (sql: string): PostgresQueryResult<unknown>['command'] {
  const word = /^\s*(?:with\b[\s\S]*?\)\s*)?(\w+)/i.exec(sql)?.[1]?.toUpperCase()
  switch (word) {
    case 'INSERT': case 'UPDATE': case 'DELETE': case 'MERGE': return word
    default: return 'SELECT'
  }
}
