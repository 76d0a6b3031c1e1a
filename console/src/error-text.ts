import { ApiError } from '../../client/index.ts'
import { maybe, type Translate } from './i18n.ts'

/**
 * An error as a sentence in the console's language, from the API's stable error `code`
 * (docs/errors.md), never from its English `message`: that message only lends the thing it names
 * (the kind and id of a missing record, a request id). A code the console has no words for gets a
 * general sentence in the language, with the code, so that it can still be looked up.
 */
export function errorText (err: unknown, t: Translate): string {
  if (!(err instanceof ApiError)) {
    // fetch() rejects with a TypeError when the network fails: the browser's wording varies, the meaning does not.
    return err instanceof TypeError ? t('error.network') : t('error.unknown', { code: String((err as Error)?.message ?? err) })
  }
  const body = (err.body ?? {}) as { code?: unknown, message?: unknown }
  const code = typeof body.code === 'string' ? body.code : `HTTP_${err.status}`
  const message = typeof body.message === 'string' ? body.message : ''
  const retry = err.retryAfterS ? t('error.retryAfter', { s: err.retryAfterS }) : ''
  return sentence(code, message, err, t) + retry
}

function sentence (code: string, message: string, err: ApiError, t: Translate): string {
  switch (code) {
    case 'RECORD_NOT_FOUND': {
      // The message is "[where: ]kind/id does not exist" (src/errors.ts): the kind says what is missing.
      const named = /([a-z]+)\/(\S+) does not exist$/.exec(message)
      if (!named) return t('error.RECORD_NOT_FOUND.any')
      return maybe(t, `error.RECORD_NOT_FOUND.${named[1] as string}`, t('error.RECORD_NOT_FOUND.any')).replace('{id}', named[2] as string)
    }
    case 'FST_ERR_VALIDATION': {
      const fields = err.problems.map((p) => p.field.replace(/^(body|querystring|params)\./, '')).filter(Boolean)
      return fields.length > 0 ? t('error.FST_ERR_VALIDATION.fields', { fields: [...new Set(fields)].join(', ') }) : t('error.FST_ERR_VALIDATION')
    }
    case 'INTERNAL_ERROR': {
      const id = /request (\S+?)\)/.exec(message)?.[1]
      return id ? t('error.INTERNAL_ERROR.request', { id }) : t('error.INTERNAL_ERROR')
    }
    default:
      return maybe(t, `error.${code}`, t('error.unknown', { code }))
  }
}
