/**
 * One self-rewriting line with rate and ETA when stderr is a terminal; a line per 10% otherwise.
 * Hand-written: ten lines do not justify a dependency.
 */
export function progressLine (): (label: string, done: number, total: number) => void {
  const started = Date.now()
  let lastDecile = -1
  return (label, done, total) => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001)
    const rate = done / seconds
    const eta = rate > 0 ? (total - done) / rate : 0
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100
    const line = `${label}: ${done}/${total} (${pct}%) ${Math.round(rate)}/s, ETA ${eta.toFixed(0)} s`
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${done >= total ? '\n' : ''}`)
    else if (Math.floor(pct / 10) !== lastDecile) {
      lastDecile = Math.floor(pct / 10)
      process.stderr.write(line + '\n')
    }
  }
}
