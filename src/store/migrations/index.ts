import type { Migration } from 'kysely'
import * as m0001 from './0001-records-outbox-vectors.ts'
import * as m0002 from './0002-feedback.ts'
import * as m0003 from './0003-alerts.ts'
import * as m0004 from './0004-participant-programme.ts'
import * as m0005 from './0005-participant-covering-index.ts'
import * as m0006 from './0006-record-revisions.ts'
import * as m0007 from './0007-ranker-models.ts'
import * as m0008 from './0008-service-secrets.ts'

/** Every migration, in order. Names are permanent: never rename or edit one that has shipped. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-records-outbox-vectors': m0001,
  '0002-feedback': m0002,
  '0003-alerts': m0003,
  '0004-participant-programme': m0004,
  '0005-participant-covering-index': m0005,
  '0006-record-revisions': m0006,
  '0007-ranker-models': m0007,
  '0008-service-secrets': m0008
}
