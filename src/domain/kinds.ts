import type { TObject } from '@sinclair/typebox'
import { Community, Content, Organization, Person, Project, Proposal } from './records.ts'

/** The record kinds, as they appear in URLs (`/v1/{kind}/:id`) and in bulk lines. */
export const KINDS = ['organizations', 'people', 'proposals', 'projects', 'communities', 'content'] as const
export type Kind = typeof KINDS[number]

export const KIND_SCHEMAS: Record<Kind, TObject> = {
  organizations: Organization,
  people: Person,
  proposals: Proposal,
  projects: Project,
  communities: Community,
  content: Content
}

export function isKind (value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value)
}
