/**
 * What a vector lookup found for a claimed hash: the vector, `null` when it is stored but was not
 * read (the claimant only checked that it exists), or `undefined` when the claimant failed.
 */
export type ClaimOutcome = Float32Array | null | undefined

/** The hashes one call claimed, and what it waits for from the others. */
export interface Claim {
  /** Hashes this call must look up (and embed when the store lacks them). */
  readonly mine: readonly string[]
  /** Hashes another call claimed first: what it found or embedded, once it settles them. */
  readonly theirs: ReadonlyMap<string, Promise<ClaimOutcome>>
  /** Hands out these hashes' outcomes to whoever waits and releases them. */
  settle (outcomes: ReadonlyMap<string, ClaimOutcome>): void
  /** Releases every hash still held, as failed (`undefined`): the waiting calls look them up again. */
  release (): void
}

/**
 * Hashes whose vectors one call is looking up or embedding right now, per model, so two indexing
 * jobs running at once (the queue's concurrency, or an import and a rebuild) do not embed the same
 * text twice. Without it a phrase new to both jobs went through the model once per job: on the 10k
 * benchmark import, 25,720 texts were run through the model for 24,984 distinct ones (2.9% of the
 * model's time). A claim is held until its vectors are stored, so a later job finds them in the
 * store; it covers this process only (jobs in other processes can still race, and the store keeps
 * the first vector written).
 */
export class VectorClaims {
  private readonly held = new Map<string, { promise: Promise<ClaimOutcome>, resolve: (v: ClaimOutcome) => void }>()

  /** Claims the hashes no other call holds; the others come back as promises of their outcome. */
  claim (model: string, hashes: Iterable<string>): Claim {
    const mine: string[] = []
    const theirs = new Map<string, Promise<ClaimOutcome>>()
    const own = new Map<string, (v: ClaimOutcome) => void>()
    for (const hash of hashes) {
      const key = `${model}\u0000${hash}`
      const existing = this.held.get(key)
      if (existing) {
        if (!own.has(hash)) theirs.set(hash, existing.promise)
        continue
      }
      let resolve: (v: ClaimOutcome) => void = () => {}
      const promise = new Promise<ClaimOutcome>((_resolve) => { resolve = _resolve })
      this.held.set(key, { promise, resolve })
      own.set(hash, resolve)
      mine.push(hash)
    }
    const finish = (hash: string, outcome: ClaimOutcome) => {
      const resolve = own.get(hash)
      if (!resolve) return
      own.delete(hash)
      this.held.delete(`${model}\u0000${hash}`)
      resolve(outcome)
    }
    return {
      mine,
      theirs,
      settle: (outcomes) => { for (const [hash, outcome] of outcomes) finish(hash, outcome) },
      release: () => { for (const hash of [...own.keys()]) finish(hash, undefined) }
    }
  }

  /** Hashes held right now (for tests). */
  get size (): number {
    return this.held.size
  }
}
