import { sql, type Kysely } from 'kysely'
import type { Database } from '../../store/schema.ts'
import { CollaborationHistory, HistoryBuilder, type ParticipationRow } from './collaboration-history.ts'

/** Rows read per round trip: a chunk of rows as JavaScript objects is the only transient cost of a read. */
const CHUNK_ROWS = 20_000

/** The fewest bytes a participation costs in a laid-out history (its entry in each direction): what a read is refused on before it starts. */
export const MIN_BYTES_PER_PARTICIPATION = 8

/** The history does not fit its budget; the message says by how much. */
export class HistoryOverBudgetError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'HistoryOverBudgetError'
  }
}

/**
 * Reads the collaboration history from `project_participants`, in the store's row order (the order
 * every earlier read saw, so that sums over an organisation's projects run in the same order),
 * through a cursor in chunks: a read holds one chunk of row objects at a time, and stops as soon as
 * what it built passes `budgetBytes`, before the history could outgrow the heap. A store whose rows
 * alone, at their fewest bytes, would not fit is not read at all.
 * `before` (YYYY-MM-DD) keeps only the projects that started earlier.
 */
export async function readHistory (db: Kysely<Database>, options: { budgetBytes: number, before?: string }): Promise<CollaborationHistory> {
  const { budgetBytes, before } = options
  if (before !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(before)) throw new Error(`readHistory: before must be a date (YYYY-MM-DD), not "${before}"`)
  const where = before === undefined ? sql`` : sql`where start < ${sql.lit(before)}`
  const counted = await sql<{ n: string }>`select count(*) as n from project_participants ${where}`.execute(db)
  const rows = Number(counted.rows[0]?.n ?? 0)
  if (rows * MIN_BYTES_PER_PARTICIPATION > budgetBytes) {
    throw new HistoryOverBudgetError(`${rows} participations need at least ${mb(rows * MIN_BYTES_PER_PARTICIPATION)} MB, over the graph's ${mb(budgetBytes)} MB (GRAPH_MEMORY_MB)`)
  }
  const builder = new HistoryBuilder()
  await db.transaction().execute(async (tx) => {
    await sql`declare collaboration_history no scroll cursor for select project_id, organization_id, programme, start from project_participants ${where}`.execute(tx)
    for (let read = 0; ;) {
      const chunk = await sql<ParticipationRow>`fetch forward ${sql.lit(CHUNK_ROWS)} from collaboration_history`.execute(tx)
      for (const row of chunk.rows) builder.add(row)
      read += chunk.rows.length
      if (builder.bytes > budgetBytes) {
        throw new HistoryOverBudgetError(`after ${read} of ${rows} participations the graph holds ${mb(builder.bytes)} MB, over its ${mb(budgetBytes)} MB (GRAPH_MEMORY_MB)`)
      }
      if (chunk.rows.length < CHUNK_ROWS) break
    }
  })
  const history = builder.finish()
  if (history.bytes > budgetBytes) throw new HistoryOverBudgetError(`${history.participations} participations take ${mb(history.bytes)} MB, over the graph's ${mb(budgetBytes)} MB (GRAPH_MEMORY_MB)`)
  return history
}

function mb (bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1)
}
