#!/usr/bin/env node
// Dev single-node Elasticsearch: build (Maven), start (detached JVM), stop, status.
// Plain ESM, Node >= 20 built-ins only. See dev/elasticsearch/README.md.
//
//   node dev/elasticsearch/es.mjs start | stop | status | build
//
// Env: ES_PORT (9200), ES_DATA_DIR (<repo>/.data/elasticsearch), ES_HEAP (512m), ES_JAVA_HOME,
//      ES_JAVA_OPTS, ES_PROCESSORS, ES_START_TIMEOUT (180 s), ES_STOP_TIMEOUT (30 s),
//      ES_NODES (1): that many nodes on this machine, one cluster: node i answers HTTP on ES_PORT + i
//      and transport on ES_PORT + 100 + i, keeps its data in <ES_DATA_DIR>/node-<i>. With two nodes,
//      node 0 is the only master-eligible node and node 1 holds data (and the replicas), so node 1
//      can stop. With three or more, every node is master-eligible and holds data, so any one of
//      them can stop, the elected master included: the others hold a majority and elect another.

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO_ROOT = path.resolve(HERE, '..', '..')
const POM = path.join(HERE, 'pom.xml')
const TARGET = path.join(HERE, 'target')
const LAUNCHER_JAR = path.join(TARGET, 'es-dev-launcher.jar')
const LIB_DIR = path.join(TARGET, 'lib')
const MAIN_CLASS = 'org.elasticsearch.node.DevElasticsearch'
const DEFAULT_JDK = '/usr/lib/jvm/temurin-25-jdk-amd64'
const MIN_JAVA = 21
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')

const ES_VERSION = readPinnedVersion()

// A cluster on this machine: this process runs the command for each node in turn (see main).
const CLUSTER_NODES = intEnv('ES_NODES', 1)
const CLUSTER = process.env.ES_CLUSTER_NODE === undefined
  ? null
  : { index: Number(process.env.ES_CLUSTER_NODE), size: Number(process.env.ES_CLUSTER_SIZE), basePort: Number(process.env.ES_CLUSTER_BASE_PORT) }

const cfg = {
  port: intEnv('ES_PORT', 9200),
  dataDir: process.env.ES_DATA_DIR
    ? path.resolve(process.env.ES_DATA_DIR)
    : path.join(REPO_ROOT, '.data', 'elasticsearch'),
  heap: heapEnv(),
  processors: intEnv('ES_PROCESSORS', Math.min(os.availableParallelism?.() ?? os.cpus().length, 4)),
  startTimeoutMs: intEnv('ES_START_TIMEOUT', 180) * 1000,
  stopTimeoutMs: intEnv('ES_STOP_TIMEOUT', 30) * 1000,
  javaOpts: (process.env.ES_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean),
}
const paths = {
  home: path.join(cfg.dataDir, 'home'),
  data: path.join(cfg.dataDir, 'data'),
  logs: path.join(cfg.dataDir, 'logs'),
  tmp: path.join(cfg.dataDir, 'tmp'),
  log: path.join(cfg.dataDir, 'logs', 'elasticsearch.log'),
  pid: path.join(cfg.dataDir, 'elasticsearch.pid'),
}
const baseUrl = `http://127.0.0.1:${cfg.port}`

// ------------------------------------------------------------------------------------------------ helpers

function intEnv (name, dflt) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return dflt
  const n = Number(raw)
  if (!Number.isInteger(n) || n <= 0) die(`${name} must be a positive integer, got "${raw}"`)
  return n
}

function heapEnv () {
  const raw = (process.env.ES_HEAP ?? '512m').trim().toLowerCase()
  if (!/^\d+[kmg]?$/.test(raw)) die(`ES_HEAP must look like 512m or 1g, got "${raw}"`)
  return raw
}

function heapBytes (heap) {
  const m = /^(\d+)([kmg]?)$/.exec(heap)
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]]
  return Number(m[1]) * mult
}

function readPinnedVersion () {
  const m = /<elasticsearch\.version>\s*([^<\s]+)\s*<\/elasticsearch\.version>/.exec(fs.readFileSync(POM, 'utf8'))
  if (!m) die(`cannot find <elasticsearch.version> in ${POM}`)
  return m[1]
}

function die (msg, code = 1) {
  process.stderr.write(`es: ${msg}\n`)
  process.exit(code)
}

function say (msg) {
  process.stdout.write(`es: ${msg}\n`)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function rel (p) {
  const r = path.relative(process.cwd(), p)
  return r && !r.startsWith('..') ? r : p
}

function isAlive (pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === 'EPERM'
  }
}

/** On Linux, make sure a pid from the pid file is still our JVM (pids get reused). Elsewhere, trust it. */
function isOurProcess (pid) {
  if (!isAlive(pid)) return false
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(MAIN_CLASS)
  } catch {
    return process.platform !== 'linux'
  }
}

function readPid () {
  try {
    const pid = Number(fs.readFileSync(paths.pid, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

function removePidFile () {
  fs.rmSync(paths.pid, { force: true })
}

function httpGet (urlPath, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const req = http.get(baseUrl + urlPath, { timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (body += c))
      res.on('end', () => {
        let json = null
        try {
          json = JSON.parse(body)
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode, json, body })
      })
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(null))
  })
}

async function clusterHealth () {
  const r = await httpGet('/_cluster/health?wait_for_status=green&timeout=1s', 4000)
  return r?.json?.status ? r.json : null
}

async function clusterStatus () {
  return (await clusterHealth())?.status ?? null
}

/**
 * Yellow that can never turn green on one node: only replica copies are unassigned, nothing is still
 * starting. With more data nodes in the cluster the replicas have somewhere to go: wait for green.
 */
function yellowForever (h) {
  return (
    h.status === 'yellow' &&
    h.number_of_data_nodes === 1 &&
    h.initializing_shards === 0 &&
    h.relocating_shards === 0 &&
    (h.unassigned_primary_shards ?? 0) === 0 &&
    h.delayed_unassigned_shards === 0
  )
}

function logTail (lines = 40) {
  try {
    const text = fs.readFileSync(paths.log, 'utf8').trimEnd().split('\n')
    return text.slice(-lines).join('\n')
  } catch {
    return '(no log file)'
  }
}

// ------------------------------------------------------------------------------------------------ java

function javaHomeCandidate () {
  if (process.env.ES_JAVA_HOME) return { home: process.env.ES_JAVA_HOME, from: 'ES_JAVA_HOME' }
  if (fs.existsSync(path.join(DEFAULT_JDK, 'bin', 'java'))) return { home: DEFAULT_JDK, from: 'default' }
  if (process.env.JAVA_HOME) return { home: process.env.JAVA_HOME, from: 'JAVA_HOME' }
  return { home: null, from: 'PATH' }
}

let javaCache
function resolveJava () {
  if (javaCache) return javaCache
  const { home, from } = javaHomeCandidate()
  const bin = home ? path.join(home, 'bin', 'java') : 'java'
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8' })
  if (r.error) die(`cannot run java (${from}: ${bin}): ${r.error.message}. Set ES_JAVA_HOME to a JDK ${MIN_JAVA}+.`)
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr + r.stdout)
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0
  if (major < MIN_JAVA) {
    die(`Elasticsearch ${ES_VERSION} needs Java ${MIN_JAVA}+, but ${bin} (${from}) is Java ${major || '?'}. Set ES_JAVA_HOME.`)
  }
  javaCache = { bin, home, major }
  return javaCache
}

// ------------------------------------------------------------------------------------------------ build

function newestMtime (p) {
  const st = fs.statSync(p)
  if (!st.isDirectory()) return st.mtimeMs
  let newest = st.mtimeMs
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)))
  return newest
}

function buildState () {
  const serverJar = path.join(LIB_DIR, `elasticsearch-${ES_VERSION}.jar`)
  if (!fs.existsSync(LAUNCHER_JAR) || !fs.existsSync(serverJar)) return 'missing'
  const sourcesTime = Math.max(newestMtime(path.join(HERE, 'src')), fs.statSync(POM).mtimeMs)
  return sourcesTime > fs.statSync(LAUNCHER_JAR).mtimeMs ? 'stale' : 'ok'
}

async function build (reason) {
  const java = resolveJava()
  const t0 = Date.now()
  const firstTime = reason === 'jars missing' ? '; a first build downloads ~90 MB from Maven Central into ~/.m2' : ''
  say(`building ${rel(HERE)} with Maven (${reason}${firstTime}) ...`)
  const env = { ...process.env }
  if (java.home) env.JAVA_HOME = java.home
  // Maven 3.8's bundled guava calls sun.misc.Unsafe; JDK 23+ prints a warning block for it.
  if (java.major >= 23) env.MAVEN_OPTS = `${env.MAVEN_OPTS ?? ''} --sun-misc-unsafe-memory-access=allow`.trim()
  const mvn = process.env.MVN ?? 'mvn'
  const args = ['-B', '-q', '-ntp', '-Dstyle.color=never', '-f', POM, 'package']
  // Drop stale copied jars (e.g. after a version bump) so target/lib is exactly the current classpath.
  fs.rmSync(LIB_DIR, { recursive: true, force: true })
  const code = await new Promise((resolve) => {
    const child = spawn(mvn, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
    // Maven prints stray ANSI resets even in batch mode; forward its output without them.
    const forward = (out) => (chunk) => {
      const text = chunk.toString('utf8').replace(ANSI_SGR, '')
      if (text.trim()) out.write(text)
    }
    child.stdout.on('data', forward(process.stdout))
    child.stderr.on('data', forward(process.stderr))
    child.on('error', (e) => die(`cannot run ${mvn}: ${e.message} (install Maven 3.6+ or set MVN)`))
    child.on('close', resolve)
  })
  if (code !== 0) die(`build failed: ${mvn} ${args.join(' ')} exited with ${code}`)
  if (buildState() === 'missing') die(`build finished but ${rel(LAUNCHER_JAR)} or the server jar is missing`)
  const now = new Date()
  fs.utimesSync(LAUNCHER_JAR, now, now) // the jar plugin may skip an unchanged jar: mark it fresh for buildState()
  say(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
}

async function ensureBuilt () {
  const state = buildState()
  if (state !== 'ok') await build(state === 'missing' ? 'jars missing' : 'sources changed')
}

// ------------------------------------------------------------------------------------------------ start

function jvmArgs () {
  const directMemory = Math.max(64 * 1024 ** 2, Math.floor(heapBytes(cfg.heap) / 2))
  return [
    `-Xms${cfg.heap}`,
    `-Xmx${cfg.heap}`,
    `-XX:MaxDirectMemorySize=${directMemory}`,
    '-XX:+UseG1GC',
    '-Xss1m',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:-OmitStackTraceInFastThrow',
    `-Djava.io.tmpdir=${paths.tmp}`,
    '-Dfile.encoding=UTF-8',
    '-Djava.awt.headless=true',
    '-Djava.locale.providers=CLDR',
    '-Dio.netty.noUnsafe=true',
    '-Dio.netty.noKeySetOptimization=true',
    '-Dio.netty.recycler.maxCapacityPerThread=0',
    '-Dlog4j.shutdownHookEnabled=false',
    '-Dlog4j2.disable.jmx=true',
    '-Dlog4j2.formatMsgNoLookups=true',
    // Lucene's SIMD vector code (HNSW / kNN scoring); without it Lucene falls back to scalar code.
    '--add-modules=jdk.incubator.vector',
    // Elasticsearch's native layer uses the FFM API from the classpath (unnamed module).
    '--enable-native-access=ALL-UNNAMED',
    ...cfg.javaOpts,
    '-cp',
    [LAUNCHER_JAR, path.join(LIB_DIR, '*')].join(path.delimiter),
    MAIN_CLASS,
    `-Epath.home=${paths.home}`,
    `-Epath.data=${paths.data}`,
    `-Epath.logs=${paths.logs}`,
    `-Ehttp.port=${cfg.port}`,
    `-Enode.processors=${cfg.processors}`,
    ...clusterArgs(),
  ]
}

/** Settings of a node of a cluster on this machine (none for a single node). */
function clusterArgs () {
  if (!CLUSTER) return []
  const transport = (i) => CLUSTER.basePort + 100 + i
  return [
    '-Ediscovery.type=multi-node',
    `-Enode.name=node-${CLUSTER.index}`,
    `-Etransport.port=${transport(CLUSTER.index)}`,
    `-Ediscovery.seed_hosts=${Array.from({ length: CLUSTER.size }, (_, i) => `127.0.0.1:${transport(i)}`).join(',')}`,
    // Node 0 bootstraps the cluster alone; master-eligible nodes that join enter the voting
    // configuration, which grows to three once three are in. A node that has already joined (it
    // holds cluster state) must not be told to bootstrap again.
    ...(fs.existsSync(path.join(paths.data, '_state')) ? [] : ['-Ecluster.initial_master_nodes=node-0']),
    ...(CLUSTER.index === 0 || masterEligibleAll(CLUSTER.size) ? [] : ['-Enode.roles=data,ingest']),
  ]
}

/** Every node master-eligible: with three or more, losing any one (the master too) leaves a majority. */
function masterEligibleAll (size) {
  return size >= 3
}

async function waitForGreen (pid, t0) {
  const deadline = t0 + cfg.startTimeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      removePidFile()
      die(`Elasticsearch exited during startup. Last lines of ${rel(paths.log)}:\n${logTail()}`)
    }
    const health = await clusterHealth()
    if (health?.status === 'green') return
    if (health && yellowForever(health)) {
      say(
        `cluster is yellow: ${health.unassigned_shards} replica shard(s) cannot be assigned on a single node ` +
          '(an index was created with number_of_replicas > 0; set it to 0). Continuing.'
      )
      return
    }
    await sleep(health ? 250 : 500)
  }
  die(
    `Elasticsearch did not reach green within ${cfg.startTimeoutMs / 1000} s (pid ${pid} left running; ` +
      `"node ${rel(path.join(HERE, 'es.mjs'))} stop" to stop it). Last lines of ${rel(paths.log)}:\n${logTail()}`
  )
}

function formatBytes (n) {
  if (n % 1024 ** 3 === 0) return `${n / 1024 ** 3}g`
  if (n % 1024 ** 2 === 0) return `${n / 1024 ** 2}m`
  return `${Math.round(n / 1024 ** 2)}m`
}

async function describeRunning (pid, bootMs) {
  const root = await httpGet('/')
  const info = await httpGet('/_nodes/_local/jvm?filter_path=nodes.*.jvm.mem.heap_max_in_bytes')
  const heapMax = Object.values(info?.json?.nodes ?? {})[0]?.jvm?.mem?.heap_max_in_bytes
  const version = root?.json?.version?.number ?? '?'
  const boot = bootMs === undefined ? '' : `boot ${(bootMs / 1000).toFixed(1)} s, `
  const heap = heapMax ? formatBytes(heapMax) : '?'
  return `elasticsearch ${version} listening on ${baseUrl} (${boot}heap ${heap}, pid ${pid}, data ${rel(cfg.dataDir)})`
}

async function start () {
  const existing = readPid()
  if (existing && isOurProcess(existing)) {
    const status = await clusterStatus()
    if (status) {
      say(`already running: ${await describeRunning(existing)} [${status}]`)
      return
    }
    say(`pid ${existing} is alive but ${baseUrl} does not answer yet; waiting ...`)
    await waitForGreen(existing, Date.now())
    say(await describeRunning(existing))
    return
  }
  if (existing) removePidFile() // stale

  const squatter = await httpGet('/', 2000)
  if (squatter) {
    die(
      `something already answers on ${baseUrl} (HTTP ${squatter.status}) but it was not started from ` +
        `${rel(cfg.dataDir)}. Stop it or choose another ES_PORT.`
    )
  }

  await ensureBuilt()
  const java = resolveJava()
  for (const dir of [paths.home, paths.data, paths.logs, paths.tmp]) fs.mkdirSync(dir, { recursive: true })
  // Keep the data dir out of git without touching the repo's .gitignore.
  const ignore = path.join(cfg.dataDir, '.gitignore')
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# created by dev/elasticsearch/es.mjs\n*\n')
  if (fs.existsSync(paths.log)) fs.renameSync(paths.log, `${paths.log}.1`)
  const logFd = fs.openSync(paths.log, 'a')

  const t0 = Date.now()
  const child = spawn(java.bin, jvmArgs(), {
    cwd: cfg.dataDir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  })
  fs.closeSync(logFd)
  if (!child.pid) die(`failed to spawn ${java.bin}`)
  child.unref()
  fs.writeFileSync(paths.pid, `${child.pid}\n`)
  say(`starting (pid ${child.pid}, java ${java.major}, log ${rel(paths.log)}) ...`)

  await waitForGreen(child.pid, t0)
  // Make sure the node that answered is the one we just started.
  const local = await httpGet('/_nodes/_local/process?filter_path=nodes.*.process.id')
  const answeredPid = Object.values(local?.json?.nodes ?? {})[0]?.process?.id
  if (answeredPid !== undefined && answeredPid !== child.pid) {
    die(`${baseUrl} is answered by pid ${answeredPid}, not by the JVM we started (pid ${child.pid})`)
  }
  say(await describeRunning(child.pid, Date.now() - t0))
}

// ------------------------------------------------------------------------------------------------ stop / status

async function stop () {
  const pid = readPid()
  if (!pid || !isOurProcess(pid)) {
    removePidFile()
    const other = await httpGet('/', 2000)
    say(other ? `not running from ${rel(cfg.dataDir)} (but something answers on ${baseUrl})` : 'not running')
    return
  }
  const t0 = Date.now()
  process.kill(pid, 'SIGTERM')
  while (isAlive(pid) && Date.now() - t0 < cfg.stopTimeoutMs) await sleep(200)
  if (isAlive(pid)) {
    say(`pid ${pid} still alive after ${cfg.stopTimeoutMs / 1000} s: sending SIGKILL`)
    process.kill(pid, 'SIGKILL')
    while (isAlive(pid) && Date.now() - t0 < cfg.stopTimeoutMs + 10_000) await sleep(100)
  }
  removePidFile()
  say(`stopped (pid ${pid}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
}

async function status () {
  const pid = readPid()
  if (!pid || !isOurProcess(pid)) {
    say('not running')
    process.exitCode = 3
    return
  }
  const st = await clusterStatus()
  say(st ? `${await describeRunning(pid)} [${st}]` : `pid ${pid} alive, ${baseUrl} not answering`)
  if (!st) process.exitCode = 1
}

// ------------------------------------------------------------------------------------------------ main

const command = process.argv[2]
if (CLUSTER_NODES > 1 && !CLUSTER && ['start', 'stop', 'status'].includes(command)) {
  // Each node by a run of this script of its own. Two nodes start in order (node 0 first: it is the
  // only master-eligible node). Three or more start together: a cluster that has formed once elects
  // a master only when a majority of its master-eligible nodes are up, so no node reaches green
  // alone. Nodes stop in reverse order.
  const order = Array.from({ length: CLUSTER_NODES }, (_, i) => i)
  const run = (i) => new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), command], {
      stdio: 'inherit',
      env: {
        ...process.env,
        ES_NODES: '1',
        ES_PORT: String(cfg.port + i),
        ES_DATA_DIR: path.join(cfg.dataDir, `node-${i}`),
        ES_CLUSTER_NODE: String(i),
        ES_CLUSTER_SIZE: String(CLUSTER_NODES),
        ES_CLUSTER_BASE_PORT: String(cfg.port),
      },
    })
    child.on('error', () => resolve(1))
    child.on('close', (code) => resolve(code ?? 1))
  })
  let failed = 0
  if (command === 'start' && masterEligibleAll(CLUSTER_NODES)) {
    failed = (await Promise.all(order.map(run))).find((code) => code !== 0) ?? 0
  } else {
    for (const i of command === 'stop' ? order.reverse() : order) {
      const code = await run(i)
      if (code !== 0) failed = code
      if (failed && command === 'start') break
    }
  }
  process.exit(failed)
}
switch (command) {
  case 'start':
    await start()
    break
  case 'stop':
    await stop()
    break
  case 'status':
    await status()
    break
  case 'build':
    await build('requested')
    break
  default:
    process.stderr.write(
      'usage: node dev/elasticsearch/es.mjs <start|stop|status|build>\n' +
        '  env: ES_PORT (9200) ES_DATA_DIR (<repo>/.data/elasticsearch) ES_HEAP (512m) ES_JAVA_HOME\n' +
        '       ES_JAVA_OPTS ES_PROCESSORS ES_START_TIMEOUT (180) ES_STOP_TIMEOUT (30) ES_NODES (1)\n'
    )
    process.exit(command ? 64 : 0)
}
