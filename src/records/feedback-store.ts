import type { Kysely } from 'kysely'
import type { Database, FeedbackTable } from '../store/schema.ts'

export type FeedbackEvent = FeedbackTable['event']
export const FEEDBACK_EVENTS: readonly FeedbackEvent[] = ['shown', 'clicked', 'interest', 'dismissed', 'contact_accepted']
/** Events that say a person engaged with an item; their recommendations move toward such items. */
export const ENGAGED: readonly FeedbackEvent[] = ['clicked', 'interest', 'contact_accepted']

export interface FeedbackInput { personId: string, itemKind: string, itemId: string, event: FeedbackEvent, at?: string }

export interface PersonFeedback {
  dismissed: Set<string>
  shown: Set<string>
  /** Engaged items, most recent first, as "kind/id". */
  engaged: string[]
}

/** Feedback events: appended, never updated; read per person on every recommendation. */
export class FeedbackStore {
  constructor (private readonly db: Kysely<Database>) {}

  async add (events: readonly FeedbackInput[]): Promise<void> {
    if (events.length === 0) return
    await this.db.insertInto('feedback').values(events.map((e) => ({
      person_id: e.personId, item_kind: e.itemKind, item_id: e.itemId, event: e.event, ...(e.at ? { at: new Date(e.at) } : {})
    }))).execute()
  }

  async forPerson (personId: string): Promise<PersonFeedback> {
    const rows = await this.db.selectFrom('feedback').select(['item_kind', 'item_id', 'event'])
      .where('person_id', '=', personId).orderBy('seq', 'desc').limit(5000).execute()
    const out: PersonFeedback = { dismissed: new Set(), shown: new Set(), engaged: [] }
    for (const r of rows) {
      const key = `${r.item_kind}/${r.item_id}`
      if (r.event === 'dismissed') out.dismissed.add(key)
      else if (r.event === 'shown') out.shown.add(key)
      else if (!out.engaged.includes(key)) out.engaged.push(key)
    }
    return out
  }
}
