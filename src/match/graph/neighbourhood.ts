/**
 * One organisation's partners with the number of projects shared with each, worked out on demand
 * (CollaborationHistory.partnersOf) into buffers reused from one request to the next: nothing
 * pairwise is kept between requests. `list` holds the partners in the order first met (the
 * organisation's projects in the order they were linked, each project's members in order), which is
 * the order the sums over partners run in, so that they come out to the same bits every time.
 */
export class Neighbourhood {
  /** Partners (organisation indices), first met first; `size` of them are live. */
  list = new Int32Array(64)
  size = 0
  private counts = new Int32Array(16)
  /** A slot belongs to the current neighbourhood when its stamp is the current epoch: no clearing between uses. */
  private stamps = new Uint32Array(16)
  private epoch = 0

  /** Starts an empty neighbourhood in a history of `span` organisation slots. */
  reset (span: number): void {
    if (span > this.stamps.length) {
      const size = Math.max(span, Math.ceil(this.stamps.length * 1.5))
      this.stamps = new Uint32Array(size)
      this.counts = new Int32Array(size)
      this.epoch = 0
    }
    this.epoch++
    if (this.epoch === 0xffffffff) {
      this.stamps.fill(0)
      this.epoch = 1
    }
    this.size = 0
  }

  /** One more project shared with `org`. */
  add (org: number): void {
    if (this.stamps[org] === this.epoch) {
      this.counts[org] = (this.counts[org] as number) + 1
      return
    }
    this.stamps[org] = this.epoch
    this.counts[org] = 1
    if (this.size === this.list.length) {
      const list = new Int32Array(this.list.length * 2)
      list.set(this.list)
      this.list = list
    }
    this.list[this.size++] = org
  }

  has (org: number): boolean {
    return this.stamps[org] === this.epoch
  }

  /** Projects shared with `org`; 0 when it is not a partner. */
  shared (org: number): number {
    return this.stamps[org] === this.epoch ? this.counts[org] as number : 0
  }

  get bytes (): number {
    return this.list.byteLength + this.counts.byteLength + this.stamps.byteLength
  }
}
