import { EngineClient, type Scope } from '../../client/index.ts'

const KEY = 'engine-console-key'
export const UNAUTHORIZED = 'engine-console:unauthorized'

/** The API key of this tab (sessionStorage: gone when the tab closes). */
export function storedKey (): string | null {
  try { return sessionStorage.getItem(KEY) } catch { return null }
}

export function storeKey (key: string): void {
  try { sessionStorage.setItem(KEY, key) } catch {}
}

export function forgetKey (): void {
  try { sessionStorage.removeItem(KEY) } catch {}
}

/** The console's client: same origin, the tab's key on every request; a 401 sends the user back to the key prompt. */
export const api = new EngineClient({
  apiKey: storedKey,
  fetch: async (input, init) => {
    const res = await fetch(input, init)
    if (res.status === 401 && !String(input).includes('/console/session')) window.dispatchEvent(new CustomEvent(UNAUTHORIZED))
    return res
  }
})

const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 }

export function allows (scope: Scope | null, needed: Scope): boolean {
  return scope !== null && RANK[scope] >= RANK[needed]
}
