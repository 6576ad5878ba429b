import { expect } from 'chai'
import { commandTable } from '../../../src/commands/registry.js'
import type { CommandSpec } from '../../../src/commands/spec.js'

// [name, arity, flags, first key, last key, step] from COMMAND INFO of redis-server 7.0.15.
const REDIS: [string, number, string[], number, number, number][] = [
  ['del', -2, ['write'], 1, -1, 1],
  ['unlink', -2, ['write', 'fast'], 1, -1, 1],
  ['exists', -2, ['readonly', 'fast'], 1, -1, 1],
  ['type', 2, ['readonly', 'fast'], 1, 1, 1],
  ['keys', 2, ['readonly'], 0, 0, 0],
  ['scan', -2, ['readonly'], 0, 0, 0],
  ['randomkey', 1, ['readonly'], 0, 0, 0],
  ['rename', 3, ['write'], 1, 2, 1],
  ['renamenx', 3, ['write', 'fast'], 1, 2, 1],
  ['copy', -3, ['write', 'denyoom'], 1, 2, 1],
  ['dump', 2, ['readonly'], 1, 1, 1],
  ['restore', -4, ['write', 'denyoom'], 1, 1, 1],
  ['move', 3, ['write', 'fast'], 1, 1, 1],
  ['touch', -2, ['readonly', 'fast'], 1, -1, 1],
  ['expire', -3, ['write', 'fast'], 1, 1, 1],
  ['pexpire', -3, ['write', 'fast'], 1, 1, 1],
  ['expireat', -3, ['write', 'fast'], 1, 1, 1],
  ['pexpireat', -3, ['write', 'fast'], 1, 1, 1],
  ['ttl', 2, ['readonly', 'fast'], 1, 1, 1],
  ['pttl', 2, ['readonly', 'fast'], 1, 1, 1],
  ['expiretime', 2, ['readonly', 'fast'], 1, 1, 1],
  ['pexpiretime', 2, ['readonly', 'fast'], 1, 1, 1],
  ['persist', 2, ['write', 'fast'], 1, 1, 1],
  ['object', -2, [], 0, 0, 0],
  ['object|freq', 3, ['readonly'], 2, 2, 1],
  ['object|refcount', 3, ['readonly'], 2, 2, 1],
  ['object|idletime', 3, ['readonly'], 2, 2, 1],
  ['object|encoding', 3, ['readonly'], 2, 2, 1],
  ['object|help', 2, ['loading', 'stale'], 0, 0, 0],
]

const find = (name: string): CommandSpec | undefined => {
  const [top, sub] = name.split('|')
  const spec = commandTable.get(top!)
  return sub === undefined ? spec : spec?.subcommands?.find((s) => s.name === name)
}

describe('generic command table entries', () => {
  for (const [name, arity, flags, first, last, step] of REDIS) {
    it(`${name} matches Redis's arity, flags and key positions`, () => {
      const spec = find(name)
      expect(spec, name).not.to.equal(undefined)
      expect(spec!.group).to.equal('generic')
      expect([spec!.arity, spec!.flags.slice().sort(), spec!.keys]).to.deep.equal([
        arity,
        flags.slice().sort(),
        { first, last, step },
      ])
    })
  }
})
