import type { Migration } from 'kysely'
import * as m0001 from './0001-records-outbox-vectors.ts'

/** Every migration, in order. Names are permanent: never rename or edit one that has shipped. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-records-outbox-vectors': m0001
}
