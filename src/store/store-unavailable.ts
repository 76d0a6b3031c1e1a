/**
 * The store cannot answer now: its connection was lost (a restart, a failover, an operator's
 * pg_terminate_backend) or none can be opened. Requests that need it get a 503 with Retry-After
 * rather than a 500 (plugins/error-handler.ts), and a client may try again: every write is
 * idempotent (versions, docs/api.md).
 */
export class StoreUnavailableError extends Error {
  readonly statusCode = 503
  readonly code = 'STORE_UNAVAILABLE'
  /** Seconds a client should wait before trying again. */
  readonly retryAfterS = 1

  /** `cause`: the driver's error, for the log; the message names only its code (no address, no SQL). */
  constructor (cause: unknown) {
    const code = (cause as { code?: unknown })?.code
    super(`the store is unavailable (${typeof code === 'string' ? code : 'connection lost'}): retry later`, { cause })
    this.name = 'StoreUnavailableError'
  }
}

/**
 * SQLSTATEs that mean the session is gone or cannot be had: connection exceptions (class 08),
 * the server shutting down or terminating the backend (57P01 admin, 57P02 crash, 57P03 starting
 * up), no connection slot left (53300).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300'])
/** Socket errors on the way to the server. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
/** What pg and pg-pool say when the socket went away under a client, or no client came in time. */
const LOST_MESSAGES = [
  /^Connection terminated/,
  /is not queryable/,
  /^timeout exceeded when trying to connect/
]

/**
 * True when `err` says the store's connection was lost or could not be opened, rather than that
 * the statement was wrong: the same work on a fresh connection may succeed.
 */
export function isConnectionLoss (err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true
  if (typeof err !== 'object' || err === null) return false
  const { code, message } = err as { code?: unknown, message?: unknown }
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || SOCKET_CODES.has(code))) return true
  // A failed connect may come as an AggregateError of one socket error per address tried.
  if (err instanceof AggregateError) return err.errors.length > 0 && err.errors.every(isConnectionLoss)
  return typeof message === 'string' && LOST_MESSAGES.some((re) => re.test(message))
}

/** `err` as the store's 503 when it is a lost connection, else unchanged. */
export function asStoreError (err: unknown): unknown {
  return isConnectionLoss(err) && !(err instanceof StoreUnavailableError) ? new StoreUnavailableError(err) : err
}
