import t from 'tap'
import { diversify, dot } from '../../src/match/features.ts'
import { Rng } from '../../fixtures/lib/prng.ts'

// The definition, written the plain way: each round, every item against every pick so far.
function reference<T> (items: readonly T[], rel: (t: T) => number, vec: (t: T) => Float32Array | undefined, lambda: number, near: number, depth: number): T[] {
  const top = Math.max(...items.map(rel), 1e-9)
  const left = [...items]
  const out: T[] = []
  while (left.length > 0 && out.length < depth) {
    let best = -Infinity
    let at = -1
    left.forEach((x, i) => {
      const v = vec(x)
      let sim = 0
      for (const p of out) { const w = vec(p); if (v && w) sim = Math.max(sim, dot(v, w)) }
      const value = lambda * rel(x) / top - (1 - lambda) * Math.max(0, sim - near) / (1 - near)
      if (value > best) { best = value; at = i }
    })
    out.push(...left.splice(at, 1))
  }
  return [...out, ...left]
}

t.test('diversify makes the same picks as the plain definition', async (t) => {
  const rng = Rng.of('diversify')
  const centres = Array.from({ length: 6 }, () => new Float32Array(16).map(() => rng.next() - 0.5))
  for (let trial = 0; trial < 40; trial++) {
    const items = Array.from({ length: 20 + rng.int(200) }, (_, i) => {
      // Near-duplicates around a few centres, some items without a vector.
      const c = rng.pick(centres)
      const v = c.map((x) => x + (rng.next() - 0.5) * 0.3)
      const n = Math.hypot(...v)
      return { id: `i${i}`, s: Math.round(rng.next() * 100) / 100, v: rng.chance(0.1) ? undefined : v.map((x) => x / n) }
    })
    const sorted = trial % 2 === 0
    if (sorted) items.sort((a, b) => b.s - a.s)
    const depth = 1 + rng.int(30)
    const got = diversify(items, (x) => x.s, (x) => x.v, 0.8, 0.6, depth).map((x) => x.id)
    const want = reference(items, (x) => x.s, (x) => x.v, 0.8, 0.6, depth).map((x) => x.id)
    t.same(got.slice(0, depth), want.slice(0, depth), `trial ${trial} (${sorted ? 'sorted' : 'unsorted'}, ${items.length} items, depth ${depth})`)
  }
})
