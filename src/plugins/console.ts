import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { build } from 'esbuild'
import { createHash } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ConsoleBuildError, ConsoleFileNotFoundError } from '../errors.ts'

const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url))
const CLIENT_DIR = fileURLToPath(new URL('../../client/', import.meta.url))
const PUBLIC_DIR = join(CONSOLE_DIR, 'public')
const ENTRY = join(CONSOLE_DIR, 'src', 'main.ts')

/** The console's own pages: scripts and styles from this origin only, nothing inline, no framing. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY'
}

interface BuiltFile { body: string, etag: string, type: string }
interface Bundle { files: Map<string, BuiltFile>, ms: number }

let built: { stamp: number, bundle: Promise<Bundle> } | undefined

/** The newest modification time of the console's and the client's sources. */
async function sourceStamp (): Promise<number> {
  let newest = 0
  for (const dir of [join(CONSOLE_DIR, 'src'), CLIENT_DIR]) {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
      newest = Math.max(newest, (await stat(join(entry.parentPath ?? (entry as { path?: string }).path ?? dir, entry.name))).mtimeMs)
    }
  }
  return newest
}

/**
 * The browser bundle (console/src/main.ts and what it imports, the typed client among them), built
 * in memory by esbuild: once per process, again only when a source file changes (so editing the
 * console needs a page reload, not a restart). No build step for anyone to run, nothing written.
 */
export async function consoleBundle (): Promise<Bundle> {
  const stamp = await sourceStamp()
  if (!built || built.stamp !== stamp) {
    const started = performance.now()
    const bundle = build({
      entryPoints: { app: ENTRY },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['es2022'],
      minify: true,
      // The map names sources relative to the console folder ("../src/main.ts", "../../node_modules/…"):
      // never the server's install path. Nothing is written there (write: false).
      sourcemap: 'linked',
      outdir: join(CONSOLE_DIR, 'dist'),
      write: false,
      logLevel: 'silent',
      legalComments: 'eof'
    }).then((result) => {
      const files = new Map<string, BuiltFile>()
      for (const file of result.outputFiles) {
        const name = file.path.slice(file.path.lastIndexOf('/') + 1)
        files.set(name, {
          body: file.text,
          etag: `"${createHash('sha256').update(file.contents).digest('base64url').slice(0, 22)}"`,
          type: name.endsWith('.map') ? 'application/json; charset=utf-8' : 'text/javascript; charset=utf-8'
        })
      }
      return { files, ms: Math.round(performance.now() - started) }
    })
    built = { stamp, bundle }
    // A failed build is tried again on the next request.
    bundle.catch(() => { if (built?.bundle === bundle) built = undefined })
  }
  return await built.bundle
}

/**
 * The match console at `/` (console/): the page, its styles and the bundle, plus GET /console/session,
 * which tells the page whether keys are checked and what the presented key may do. None of it is in
 * the OpenAPI document; the API routes are untouched.
 */
async function consolePlugin (app: FastifyInstance): Promise<void> {
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS)
  })

  // Static files of console/public under /console/ (index.html is served at / below).
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/console/', index: false, cacheControl: true, maxAge: 0, etag: true })

  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('cache-control', 'no-cache')
    return reply.sendFile('index.html', { cacheControl: false })
  })

  const serveBuilt = (name: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    let bundle: Bundle
    try {
      bundle = await consoleBundle()
    } catch (err) {
      request.log.error({ err }, 'the console bundle did not build')
      throw new ConsoleBuildError()
    }
    const file = bundle.files.get(name)
    if (!file) throw new ConsoleFileNotFoundError(name)
    reply.header('cache-control', 'no-cache').header('etag', file.etag).type(file.type)
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
    return file.body
  }
  app.get('/console/app.js', { schema: { hide: true } }, serveBuilt('app.js'))
  app.get('/console/app.js.map', { schema: { hide: true } }, serveBuilt('app.js.map'))

  app.get('/console/session', { schema: { hide: true } }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    return { scope: app.scopeOf(request), keyRequired: Boolean(app.config.API_KEYS) }
  })

  // Build when the server starts listening, so the first page load does not wait (tests that only
  // inject requests never pay for it).
  app.addHook('onListen', async () => {
    consoleBundle().then(
      (b) => app.log.info(`match console ready at / (bundle built in ${b.ms} ms)`),
      (err: Error) => app.log.error({ err }, 'the console bundle did not build')
    )
  })
}

export default fp(consolePlugin, { name: 'console', dependencies: ['auth'], fastify: '5.x', encapsulate: true })
