// COMMAND DOCS [command-name [command-name ...]]
import { array, bulk, integer, map, set, simple, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { keySpecs, lookupByName } from './command-meta.js'
import { parseSyntax, type ArgDoc, type ArgFlag } from './command-syntax.js'

type Field = readonly [Reply, Reply]
const FLAG_ORDER: readonly ArgFlag[] = ['optional', 'multiple', 'multiple_token']
const field = (name: string, value: Reply): Field => [bulk(name), value]

const argumentReply = (arg: ArgDoc): Reply => {
  const fields: Field[] = [field('name', bulk(arg.name)), field('type', bulk(arg.type))]
  if (arg.keySpecIndex !== undefined) fields.push(field('key_spec_index', integer(arg.keySpecIndex)))
  if (arg.token !== undefined) fields.push(field('token', bulk(arg.token)))
  if (arg.flags.length > 0) {
    fields.push(field('flags', set(FLAG_ORDER.filter((f) => arg.flags.includes(f)).map(simple))))
  }
  if (arg.arguments !== undefined) fields.push(field('arguments', array(arg.arguments.map(argumentReply))))
  return map(fields)
}

/** Redis names the generic group `generic`; `keyspace` is this codebase's synonym. */
const groupName = (group: string): string => (group === 'keyspace' ? 'generic' : group)

const cache = new WeakMap<CommandSpec, Reply>()

/** One command's documentation map, in Redis's field order; cached since specs never change. */
export const commandDocsEntry = (spec: CommandSpec): Reply => {
  let entry = cache.get(spec)
  if (entry === undefined) {
    const fields: Field[] = [
      field('summary', bulk(spec.summary)),
      field('since', bulk(spec.since)),
      field('group', bulk(groupName(spec.group))),
      field('complexity', bulk(spec.complexity ?? 'O(1)')),
    ]
    const args = parseSyntax(spec.syntax, keySpecs(spec).length)
    if (args !== undefined && args.length > 0) fields.push(field('arguments', array(args.map(argumentReply))))
    if (spec.subcommands !== undefined && spec.subcommands.length > 0) {
      fields.push(field('subcommands', map(spec.subcommands.map((s) => [bulk(s.name), commandDocsEntry(s)] as const))))
    }
    entry = map(fields)
    cache.set(spec, entry)
  }
  return entry
}

export const commandDocs: CommandSpec = {
  name: 'command|docs',
  arity: -2,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Get array of specific Redis command documentation',
  since: '7.0.0',
  complexity: 'O(N) where N is the number of commands to look up',
  syntax: '[command-name [command-name ...]]',
  /** A map from command name to its documentation; unknown names are left out. */
  execute(ctx, argv): Reply {
    const commands = ctx.server.commands
    const specs =
      argv.length === 2
        ? [...commands.values()]
        : argv.slice(2).flatMap((a) => lookupByName(commands, a.toString('latin1')) ?? [])
    return map(specs.map((s) => [bulk(s.name), commandDocsEntry(s)] as const))
  },
}
