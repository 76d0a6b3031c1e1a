/**
 * Rewrites the answers printed under the README tour's examples with what a running service answers
 * now: `npx tsx dev/readme/refresh-tour.ts <port>`, against a fresh demo start (`DATA_DIR=<new
 * folder> PORT=<port> npm start`, once GET /v1/status shows every kind in sync). Review the diff;
 * test/demo/readme-tour.test.ts then checks the README on its own fresh start.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { readmeExamples } from '../../test/helpers/readme-examples.ts'

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: npx tsx dev/readme/refresh-tour.ts <port of a fresh demo start>')
  process.exit(2)
}
const file = new URL('../../README.md', import.meta.url)
let readme = readFileSync(file, 'utf8')
for (const example of readmeExamples(readme)) {
  const command = example.command.replaceAll('localhost:3000', `localhost:${port}`)
  const answer = execFileSync('bash', ['-o', 'pipefail', '-c', command], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '')
  const before = `${example.command}\n${example.expected.join('\n')}\n`
  if (!readme.includes(before)) throw new Error(`cannot find the example in README.md: ${example.command.split('\n')[0]}`)
  readme = readme.replace(before, `${example.command}\n${answer.join('\n')}\n`)
  console.log(`${(example.command.split('\n')[0] ?? '').slice(0, 100)}: ${answer.length} lines`)
}
writeFileSync(file, readme)
