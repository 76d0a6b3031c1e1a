/** Records the end of a phase of a request's work (plugins/server-timing.ts turns them into a header). */
export interface PhaseMarks { mark (phase: string): void }
