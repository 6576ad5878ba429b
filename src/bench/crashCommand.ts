// `we-trust-redis bench crash --server-cmd "<cmd>" --cycles N`: the kill -9 durability check.

import { writeFileSync } from 'node:fs'
import { parseArgs, parseCount, parseDuration, UsageError } from './args.js'
import { runCrashCycles, type CycleResult } from './crash/crashRun.js'

export const CRASH_USAGE = `usage: we-trust-redis bench crash --server-cmd "<command with {port} and {dir}>" [--cycles N]
         [--port P] [--dir D] [--pass W] [--writers N] [--depth N] [--kill-after 300ms-1500ms] [--seed S] [--json out.json]
The command starts the server in the foreground; {port} and {dir} are replaced (a free port and a
temporary directory unless --port/--dir are given). Exits 1 when any acknowledged write was lost.`

const FLAGS = {
  'server-cmd': true,
  cycles: true,
  port: true,
  dir: true,
  pass: true,
  writers: true,
  depth: true,
  'kill-after': true,
  seed: true,
  json: true,
  help: false,
} as const

const formatCycle = (r: CycleResult): string =>
  `cycle ${String(r.cycle).padStart(3)}: killed after ${String(r.killedAfterMs).padStart(5)} ms, acked ${String(r.acked).padStart(7)}, ` +
  `checked ${r.checked} keys, lost ${r.lost}, unexpected ${r.unexpected}` +
  [...r.lostExamples.map((e) => `\n    lost: ${e}`), ...r.unexpectedExamples.map((e) => `\n    unexpected: ${e}`)].join('')

export const crashCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positional } = parseArgs(argv, FLAGS)
  if (flags.has('help')) {
    process.stdout.write(CRASH_USAGE + '\n')
    return 0
  }
  const command = flags.get('server-cmd')
  if (command === undefined || positional.length > 0) throw new UsageError(CRASH_USAGE)
  const kill = flags.get('kill-after')
  let killAfterMs: [number, number] | undefined
  if (kill !== undefined) {
    const [a, b] = kill.split('-')
    killAfterMs = [parseDuration(a!), parseDuration(b ?? a!)]
  }
  const get = (name: string): string | undefined => flags.get(name)
  const results = await runCrashCycles({
    serverCommand: command,
    cycles: parseCount('cycles', get('cycles') ?? '10'),
    ...(get('port') === undefined ? {} : { port: parseCount('port', get('port')!) }),
    ...(get('dir') === undefined ? {} : { dir: get('dir')! }),
    ...(get('pass') === undefined ? {} : { password: get('pass')! }),
    ...(get('writers') === undefined ? {} : { writers: parseCount('writers', get('writers')!) }),
    ...(get('depth') === undefined ? {} : { depth: parseCount('depth', get('depth')!) }),
    ...(get('seed') === undefined ? {} : { seed: parseCount('seed', get('seed')!, 0) }),
    ...(killAfterMs === undefined ? {} : { killAfterMs }),
    onCycle: (r) => process.stdout.write(formatCycle(r) + '\n'),
  })
  const total = results.reduce((a, r) => ({ acked: a.acked + r.acked, lost: a.lost + r.lost, unexpected: a.unexpected + r.unexpected }), {
    acked: 0,
    lost: 0,
    unexpected: 0,
  })
  process.stdout.write(`total: ${results.length} cycles, acked ${total.acked}, lost ${total.lost}, unexpected ${total.unexpected}\n`)
  const json = get('json')
  if (json !== undefined) writeFileSync(json, JSON.stringify({ command, cycles: results, total }, null, 2) + '\n')
  return total.lost > 0 || total.unexpected > 0 ? 1 : 0
}
