// The partner ranker from the command line:
//   npm run ranker:train [-- --window-months 12] [-- --no-activate]   train a new version (active by default)
//   npm run ranker -- list                                            every stored version and its offline metrics
//   npm run ranker -- activate <version>                              make a version active (rollback)
//   npm run ranker -- hand-set                                        no active version: the hand-set weights apply
// A running service follows the change at once (store notification). With the embedded store
// (PGlite, no DATABASE_URL) only one process can open it: stop the service first, or use the admin
// routes (/v1/admin/ranker) of the running service.
import { loadConfig } from '../../config/load.ts'
import { closeParts, openParts } from '../parts.ts'
import { reindexAll } from '../pipeline/reindex.ts'
import { RankerModels, type RankerModel } from '../match/ranker/ranker-models.ts'
import { trainAndStore } from '../match/ranker/train-and-store.ts'

const USAGE = 'usage: ranker train [--window-months N] [--no-activate] | list | activate <version> | hand-set'
const [command, ...rest] = process.argv.slice(2)
if (!command || !['train', 'list', 'activate', 'hand-set'].includes(command)) {
  console.error(USAGE)
  process.exit(2)
}
let windowMonths: number | undefined
let activate = true
let version: number | undefined
for (let i = 0; i < rest.length; i++) {
  const a = rest[i] as string
  if (command === 'train' && a === '--window-months') {
    windowMonths = Number(rest[++i])
    if (!Number.isInteger(windowMonths) || windowMonths < 1 || windowMonths > 120) { console.error('--window-months must be a whole number of months from 1 to 120'); process.exit(2) }
  } else if (command === 'train' && a === '--no-activate') activate = false
  else if (command === 'activate' && version === undefined && /^\d+$/.test(a)) version = Number(a)
  else { console.error(`unexpected argument "${a}"; ${USAGE}`); process.exit(2) }
}
if (command === 'activate' && version === undefined) { console.error(`activate needs a version number; ${USAGE}`); process.exit(2) }

const line = (m: RankerModel) => {
  const v = (m.report.validation ?? null) as { queries: number, handSet: { nDCG10: number }, trained: { nDCG10: number } } | null
  const metrics = v ? `held-out nDCG@10 ${v.trained.nDCG10} (hand-set ${v.handSet.nDCG10}, ${v.queries} queries)` : 'no held-out outcomes'
  return `${m.active ? '*' : ' '} v${m.version}  ${m.trainedAt}  ${metrics}`
}

const config = loadConfig()
const parts = await openParts(config, { info: (m) => console.error(m), warn: (m) => console.error(m) })
try {
  const models = new RankerModels(parts.store.db)
  if (command === 'list') {
    const all = await models.list('partners')
    console.log(all.length === 0 ? 'no trained versions: the hand-set weights apply' : all.map(line).join('\n'))
  } else if (command === 'activate') {
    console.log(line(await models.activate('partners', version as number)))
  } else if (command === 'hand-set') {
    await models.deactivate('partners')
    console.log('no active version: the hand-set weights apply')
  } else {
    await parts.modelReady
    if (parts.searchIndex.volatile) {
      // The embedded index lives in memory: fill it with the organisations (stored vectors, nothing embedded).
      const stats = await reindexAll({ db: parts.store.db, embedder: parts.embedder, cache: parts.vectors, target: parts.searchIndex, kinds: ['organizations'], embedMissing: false })
      console.error(`embedded index filled with ${stats.documents} organisations in ${stats.ms} ms`)
    }
    const { model, report } = await trainAndStore(parts, { ...(windowMonths !== undefined ? { windowMonths } : {}), activate, log: (m) => console.error(m) })
    console.log(JSON.stringify({ version: model.version, active: model.active, window: report.window, data: report.data, validation: report.validation }, null, 2))
    console.log(line(model))
  }
} catch (err) {
  console.error((err as Error).message)
  process.exitCode = 1
} finally {
  await closeParts(parts)
}
