/**
 * `npm run client:generate`: builds the service in-process on the embedded defaults (a temporary
 * data folder, no demo data, no model), reads its OpenAPI document (what /docs/json serves), and
 * writes it to client/openapi.json and its TypeScript types to client/api-types.ts.
 * test/console/client.test.ts fails when either is stale.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript'
import type { OpenAPI3 } from 'openapi-typescript'
import { loadConfig } from '../config/load.ts'
import { buildServer } from '../src/build.ts'

export const TYPES_FILE = fileURLToPath(new URL('./api-types.ts', import.meta.url))
export const DOCUMENT_FILE = fileURLToPath(new URL('./openapi.json', import.meta.url))

/** The generated file is not held to the project's style (openapi-typescript's own layout). */
const HEADER = '/* eslint-disable */\n// npm run client:generate writes this file from client/openapi.json.\n' + COMMENT_HEADER

/** The OpenAPI document as the service serves it at /docs/json. */
export async function serviceDocument (): Promise<OpenAPI3> {
  const dataDir = await mkdtemp(join(tmpdir(), 'engine-openapi-'))
  const modelsDir = await mkdtemp(join(tmpdir(), 'engine-openapi-models-'))
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      MODELS_DIR: modelsDir,
      EMBEDDING_ALLOW_REMOTE: 'false',
      EMBEDDING_ALLOW_MAVEN: 'false',
      VECTOR_CACHE_WARM: 'false',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'silent'
    })
    const app = await buildServer({ config })
    try {
      const res = await app.inject({ method: 'GET', url: '/docs/json' })
      if (res.statusCode !== 200) throw new Error(`GET /docs/json answered ${res.statusCode}: ${res.body}`)
      return res.json() as OpenAPI3
    } finally {
      await app.close()
    }
  } finally {
    await Promise.all([dataDir, modelsDir].map((d) => rm(d, { recursive: true, force: true })))
  }
}

/** The document as written to client/openapi.json. */
export function documentText (document: OpenAPI3): string {
  return JSON.stringify(document, null, 2) + '\n'
}

/** The types file for a document, as written to client/api-types.ts. */
export async function typesFor (document: OpenAPI3): Promise<string> {
  // openapi-typescript resolves and validates the document in place: give it a copy.
  const ast = await openapiTS(structuredClone(document), { silent: true })
  return HEADER + astToString(ast)
}

async function main (): Promise<void> {
  const document = await serviceDocument()
  await writeFile(DOCUMENT_FILE, documentText(document))
  await writeFile(TYPES_FILE, await typesFor(document))
  process.stdout.write(`wrote ${DOCUMENT_FILE} (${Object.keys(document.paths ?? {}).length} paths) and ${TYPES_FILE}\n`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`)
    process.exit(1)
  })
}
