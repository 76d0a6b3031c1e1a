import t from 'tap'
import { REFERENCE_DATE, demoLines, type BulkLine } from '../../fixtures/generate.ts'

// The service counts deadlines from its clock: the demo loaded at a first start is dated from that
// day, so its open proposals and "deadline in N days" reasons are the same whatever day it is loaded.

async function collect (lines: AsyncIterable<BulkLine>): Promise<BulkLine[]> {
  const out: BulkLine[] = []
  for await (const line of lines) out.push(line)
  return out
}

const days = (a: string, b: string) => Math.round((Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / 86_400_000)

t.test('the demo is dated from the day it is loaded, and only its dates move', async (t) => {
  const quiet = { log: () => {} }
  const later = '2031-03-17'
  const [fixed, moved, today] = await Promise.all([
    collect(demoLines({ ...quiet, referenceDate: REFERENCE_DATE })),
    collect(demoLines({ ...quiet, referenceDate: later })),
    collect(demoLines(quiet))
  ])
  t.equal(moved.length, fixed.length)
  const shift = days(later, REFERENCE_DATE)
  let dated = 0
  const problems: string[] = []
  for (let i = 0; i < fixed.length; i++) {
    const a = fixed[i]!.record
    const b = moved[i]!.record
    for (const field of ['deadline', 'date'] as const) {
      if (a[field] === undefined) continue
      dated++
      if (days(String(b[field]), String(a[field])) !== shift) problems.push(`${fixed[i]!.id}.${field}: ${String(a[field])} → ${String(b[field])}`)
    }
    // A proposal's text names its deadline ("entro il 29 aprile 2027"): that date moves too.
    const undated = (v: unknown) => String(v ?? '').replace(/\b\d{1,2} \p{L}+ \d{4}\b/gu, 'DATE')
    const rest = (r: Record<string, unknown>) => JSON.stringify({ ...r, deadline: undefined, date: undefined, body: undated(r.body) })
    if (rest(a) !== rest(b)) problems.push(`${fixed[i]!.id}: more than its dates changed`)
  }
  t.ok(dated > 500, `${dated} dated fields`)
  t.same(problems.slice(0, 5), [], 'every deadline and post date moves with the reference day, nothing else does')

  const now = new Date().toISOString().slice(0, 10)
  const deadlines = today.filter((l) => l.kind === 'proposals').map((l) => days(String(l.record.deadline), now))
  t.ok(deadlines.length > 0 && deadlines.every((d) => d >= 45 && d <= 740), 'without a reference day, deadlines are 45 to 740 days from today')
})
