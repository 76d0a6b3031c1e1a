/**
 * Runs model calls one at a time, urgent ones first. onnxruntime already spreads one batch over
 * every core; two batches at once (two indexing jobs, or a job and a query) only contend for the
 * same cores and each takes longer than both in turn. A query waits for at most the batch already
 * running, never behind queued indexing batches.
 */
export class InferenceLane {
  private readonly urgent: Array<() => Promise<void>> = []
  private readonly background: Array<() => Promise<void>> = []
  private busy = false

  /** Runs `task` when the lane is free; `urgent` tasks (user-facing) go before waiting background ones. */
  run<T> (task: () => Promise<T>, urgent: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (urgent ? this.urgent : this.background).push(() => task().then(resolve, reject))
      this.next()
    })
  }

  /** Tasks waiting (not the one running). */
  get waiting (): number {
    return this.urgent.length + this.background.length
  }

  private next (): void {
    if (this.busy) return
    const task = this.urgent.shift() ?? this.background.shift()
    if (!task) return
    this.busy = true
    task().finally(() => {
      this.busy = false
      this.next()
    })
  }
}
