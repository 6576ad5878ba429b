// Writes docs/commands.md from the command table (src/commands/registry.ts): every command and
// subcommand with its grammar, arity, flags, key positions and summary, then the command
// families still to come. Run with `npm run docs:commands`; the output is not edited by hand.

import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commandSpecs } from '../src/commands/registry.js'
import { aclCategories, visibleFlags } from '../src/commands/server/command-meta.js'
import type { CommandSpec } from '../src/commands/spec.js'

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'commands.md')

/** Group headings in the order the document shows them; unknown groups follow, alphabetically. */
const GROUPS: readonly (readonly [group: string, title: string])[] = [
  ['connection', 'Connection'],
  ['server', 'Server'],
  ['string', 'Strings'],
  ['hyperloglog', 'HyperLogLog'],
  ['generic', 'Keys (generic)'],
  ['keyspace', 'Keys (generic)'],
  ['transactions', 'Transactions'],
  ['pubsub', 'Pub/Sub'],
  ['cluster', 'Cluster'],
]

/** Redis command families not implemented yet, with the commands each will bring. */
const PLANNED: readonly (readonly [family: string, commands: string])[] = [
  ['Hashes', 'HSET, HGET, HMGET, HGETALL, HDEL, HEXISTS, HINCRBY, HINCRBYFLOAT, HKEYS, HVALS, HLEN, HSCAN, …'],
  ['Lists', 'LPUSH, RPUSH, LPOP, RPOP, LRANGE, LINDEX, LLEN, LMOVE, BLPOP, BRPOP, BLMOVE, …'],
  ['Sets', 'SADD, SREM, SMEMBERS, SISMEMBER, SCARD, SINTER, SUNION, SDIFF, SSCAN, …'],
  ['Sorted sets', 'ZADD, ZREM, ZRANGE, ZRANK, ZSCORE, ZINCRBY, ZCARD, ZPOPMIN, ZSCAN, …'],
  ['Scripting', 'EVAL, EVALSHA, SCRIPT, FUNCTION, FCALL, …'],
  ['Streams', 'XADD, XRANGE, XREAD, XREADGROUP, XACK, XGROUP, XLEN, XTRIM, …'],
]

/** `client|id` → `CLIENT ID`. */
const displayName = (spec: CommandSpec): string => spec.name.toUpperCase().replace('|', ' ')

/** Table cells may not contain a bare `|`; GitHub unescapes `\|` even inside code spans. */
const cell = (text: string): string => text.replace(/\|/g, '\\|')

const row = (spec: CommandSpec): string => {
  const usage = spec.syntax ? `${displayName(spec)} ${spec.syntax}` : displayName(spec)
  const { first, last, step } = spec.keys
  const keys = first === 0 ? '–' : `${first}, ${last}, ${step}`
  const flags = visibleFlags(spec).join(', ') || '–'
  const acl = aclCategories(spec).map((c) => `@${c}`).join(' ')
  return `| ${cell(`\`${usage}\``)} | ${spec.arity} | ${flags} | ${keys} | ${cell(acl)} | ${cell(spec.summary)} | ${spec.since} | implemented |`
}

const lines: string[] = [
  '# Commands',
  '',
  'Generated from `src/commands/registry.ts` by `npm run docs:commands`; do not edit by hand.',
  '',
  '- **Arity** follows Redis: `N` means exactly N arguments counting the command name, `-N` at least N.',
  '  A subcommand\'s arity counts the container name too (`CLIENT ID` has arity 2).',
  '- **Keys** are the legacy key positions `first, last, step` in the argument list (argument 0 is the',
  '  command name; a negative `last` counts from the end). The tenant layer prefixes keys from these',
  '  positions alone.',
  '- **Flags** and **ACL categories** are what `COMMAND INFO` reports.',
  '- **Since** is the Redis version that introduced the command; behaviour follows Redis 7.',
  '',
]

const bySpecGroup = new Map<string, CommandSpec[]>()
for (const spec of commandSpecs) {
  const title = GROUPS.find(([g]) => g === spec.group)?.[1] ?? spec.group
  const list = bySpecGroup.get(title) ?? []
  list.push(spec)
  bySpecGroup.set(title, list)
}
const titles = [
  ...new Set(GROUPS.map(([, t]) => t).filter((t) => bySpecGroup.has(t))),
  ...[...bySpecGroup.keys()].filter((t) => !GROUPS.some(([, g]) => g === t)).sort(),
]

let total = 0
lines.push('## Contents', '')
for (const title of titles) lines.push(`- [${title}](#${title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')})`)
lines.push('- [Planned](#planned)', '')

for (const title of titles) {
  const specs = [...bySpecGroup.get(title)!].sort((a, b) => (a.name < b.name ? -1 : 1))
  lines.push(`## ${title}`, '')
  lines.push('| Command | Arity | Flags | Keys | ACL categories | Summary | Since | Status |')
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const spec of specs) {
    lines.push(row(spec))
    total++
    for (const sub of spec.subcommands ?? []) {
      lines.push(row(sub))
      total++
    }
  }
  lines.push('')
}

lines.push('## Planned', '')
lines.push('Redis command families not implemented yet. Until they are, these commands answer')
lines.push("`ERR unknown command`.", '')
lines.push('| Family | Commands | Status |', '| --- | --- | --- |')
for (const [family, commands] of PLANNED) lines.push(`| ${family} | ${commands} | planned |`)
lines.push('')

writeFileSync(out, lines.join('\n'))
console.log(`wrote ${out}: ${commandSpecs.length} commands, ${total} rows`)
