import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/**
 * CPU time of processes on this machine, read from /proc (Linux): where a benchmark's cores went,
 * beside its wall time. Elsewhere every reading is null (the benchmarks print '-').
 */
let ticksPerSecond: number | null | undefined

function clockTicks (): number | null {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || null
    } catch {
      ticksPerSecond = null
    }
  }
  return ticksPerSecond
}

/** User + system CPU seconds a process has used so far, or null when it cannot be read. */
export function cpuSeconds (pid: number): number | null {
  const hz = clockTicks()
  if (!hz) return null
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / hz
  } catch {
    return null
  }
}

/** Pids whose command line contains `text`. */
export function pidsMatching (text: string): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }
  const pids: number[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(text)) pids.push(Number(entry))
    } catch {}
  }
  return pids
}

/** CPU seconds of a set of processes between two readings: `start()` now, the returned function later. */
export function cpuMeter (pids: () => number[]): () => number | null {
  const before = new Map(pids().map((pid) => [pid, cpuSeconds(pid)]))
  return () => {
    let total = 0
    let read = false
    for (const pid of new Set([...before.keys(), ...pids()])) {
      const now = cpuSeconds(pid)
      if (now === null) continue
      read = true
      // A process started after the first reading counts from zero.
      total += now - (before.get(pid) ?? 0)
    }
    return read ? total : null
  }
}
