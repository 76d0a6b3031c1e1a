import { useEffect, useState } from 'preact/hooks'

export type View = 'search' | 'match' | 'consortium' | 'recommend' | 'operations' | 'tuning'
export const VIEWS: readonly View[] = ['search', 'match', 'consortium', 'recommend', 'operations', 'tuning']

export interface Route { view: View, params: URLSearchParams }

/** Routes live in the hash (#/match?org=…): the service serves one page, and links and history work. */
export function parseHash (hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?')
  const view = (VIEWS as readonly string[]).includes(path) ? path as View : 'search'
  return { view, params: new URLSearchParams(query) }
}

export function href (view: View, params: Record<string, string> = {}): string {
  const q = new URLSearchParams(params).toString()
  return `#/${view}${q ? `?${q}` : ''}`
}

export function useRoute (): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash))
    window.addEventListener('hashchange', update)
    return () => window.removeEventListener('hashchange', update)
  }, [])
  return route
}
