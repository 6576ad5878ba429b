import { expect } from 'chai'
import { commandSpecs } from '../../../src/commands/registry.js'
import { echo } from '../../../src/commands/connection/echo.js'
import { client } from '../../../src/commands/connection/client.js'
import { command } from '../../../src/commands/server/command.js'
import { KEY_SPECS, aclCategories, allCommands, findKeys } from '../../../src/commands/server/command-meta.js'
import { parseSyntax } from '../../../src/commands/server/command-syntax.js'
import type { CommandSpec } from '../../../src/commands/spec.js'
import { encode, makeContext, plain } from '../../support/context.js'

const keyed: CommandSpec = {
  name: 'mykeys',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: -1, step: 2 },
  group: 'string',
  summary: 'Test command',
  since: '1.0.0',
  syntax: 'key value [key value ...]',
  execute: () => ({ kind: 'simple', value: 'OK' }),
}

describe('COMMAND', () => {
  it('describes every top-level command', () => {
    const c = makeContext({ commands: [echo, client, command] })
    const all = plain(c.run('COMMAND')) as unknown[][]
    expect(all.map((e) => e[0])).to.deep.equal(['echo', 'client', 'command'])
  })

  it('COUNT counts top-level commands only', () => {
    expect(plain(makeContext({ commands: [echo, client, command] }).run('COMMAND', 'COUNT'))).to.equal(3)
    expect(plain(makeContext().run('COMMAND', 'COUNT'))).to.equal(commandSpecs.length)
  })

  describe('INFO', () => {
    it('answers Redis 7 ten-field entries', () => {
      const c = makeContext()
      expect(plain(c.run('COMMAND', 'INFO', 'echo'))).to.deep.equal([
        ['echo', 2, [{ simple: 'loading' }, { simple: 'stale' }, { simple: 'fast' }], 0, 0, 0,
          [{ simple: '@fast' }, { simple: '@connection' }], [], [], []],
      ])
    })

    it('includes key specs for keyed commands', () => {
      const c = makeContext()
      expect(plain(c.run('COMMAND', 'INFO', 'GET'))).to.deep.equal([
        ['get', 2, [{ simple: 'readonly' }, { simple: 'fast' }], 1, 1, 1,
          [{ simple: '@read' }, { simple: '@string' }, { simple: '@fast' }], [],
          [{
            flags: [{ simple: 'RO' }, { simple: 'access' }],
            begin_search: { type: 'index', spec: { index: 1 } },
            find_keys: { type: 'range', spec: { lastkey: 0, keystep: 1, limit: 0 } },
          }],
          []],
      ])
    })

    it('derives key specs from key positions for commands Redis does not know', () => {
      const c = makeContext({ commands: [keyed, command] })
      const [entry] = plain(c.run('COMMAND', 'INFO', 'mykeys')) as unknown[][]
      expect(entry![6]).to.deep.equal([{ simple: '@write' }, { simple: '@string' }, { simple: '@slow' }])
      expect(entry![8]).to.deep.equal([{
        flags: [{ simple: 'RW' }, { simple: 'update' }],
        begin_search: { type: 'index', spec: { index: 1 } },
        find_keys: { type: 'range', spec: { lastkey: -1, keystep: 2, limit: 0 } },
      }])
    })

    it('nests subcommands and finds them by full name; unknown names answer null', () => {
      const c = makeContext()
      const [container, sub, missing] = plain(c.run('COMMAND', 'INFO', 'client', 'CONFIG|GET', 'nope')) as unknown[][]
      expect(container!.slice(0, 8)).to.deep.equal(['client', -2, [], 0, 0, 0, [{ simple: '@slow' }], []])
      const subs = container![9] as unknown[][]
      expect(subs.map((s) => s[0])).to.include.members(['client|id', 'client|kill', 'client|list'])
      expect(subs.find((s) => s[0] === 'client|kill')![6]).to.deep.equal([
        { simple: '@admin' }, { simple: '@slow' }, { simple: '@dangerous' }, { simple: '@connection' },
      ])
      expect(sub!.slice(0, 3)).to.deep.equal([
        'config|get', -3, [{ simple: 'admin' }, { simple: 'noscript' }, { simple: 'loading' }, { simple: 'stale' }],
      ])
      expect(missing).to.equal(null)
    })

    it('uses sets in RESP3 and arrays in RESP2, as Redis', () => {
      const reply = makeContext().run('COMMAND', 'INFO', 'dbsize')
      const resp3 = encode(reply, 3)
      expect(resp3).to.equal(
        '*1\r\n*10\r\n$6\r\ndbsize\r\n:1\r\n~2\r\n+readonly\r\n+fast\r\n:0\r\n:0\r\n:0\r\n' +
          '~3\r\n+@keyspace\r\n+@read\r\n+@fast\r\n' +
          '~2\r\n$25\r\nrequest_policy:all_shards\r\n$23\r\nresponse_policy:agg_sum\r\n~0\r\n~0\r\n',
      )
      expect(encode(reply, 2)).to.equal(resp3.replace(/~/g, '*'))
    })
  })

  describe('DOCS', () => {
    it('maps names to summary, since, group, complexity and arguments', () => {
      const docs = plain(makeContext().run('COMMAND', 'DOCS', 'echo', 'nope', 'ping')) as Record<string, Record<string, unknown>>
      expect(Object.keys(docs)).to.deep.equal(['echo', 'ping'])
      expect(docs.ping).to.deep.equal({
        summary: 'Ping the server',
        since: '1.0.0',
        group: 'connection',
        complexity: 'O(1)',
        arguments: [{ name: 'message', type: 'string', flags: [{ simple: 'optional' }] }],
      })
    })

    it('reads token, optional and repeated arguments from the grammar line', () => {
      const docs = plain(makeContext().run('COMMAND', 'DOCS', 'shutdown', 'mykeys')) as Record<string, { arguments: unknown[] }>
      expect(docs.shutdown!.arguments[0]).to.deep.equal({
        name: 'nosave-save',
        type: 'oneof',
        flags: [{ simple: 'optional' }],
        arguments: [
          { name: 'nosave', type: 'pure-token', token: 'NOSAVE' },
          { name: 'save', type: 'pure-token', token: 'SAVE' },
        ],
      })
      const c = makeContext({ commands: [keyed, command] })
      const mine = plain(c.run('COMMAND', 'DOCS', 'mykeys')) as Record<string, { arguments: unknown[] }>
      expect(mine.mykeys!.arguments).to.deep.equal([{
        name: 'key',
        type: 'block',
        flags: [{ simple: 'multiple' }],
        arguments: [{ name: 'key', type: 'key', key_spec_index: 0 }, { name: 'value', type: 'string' }],
      }])
    })

    it('leaves out arguments it cannot read from a grammar line', () => {
      expect(parseSyntax('key [value', 1)).to.equal(undefined)
      expect(parseSyntax('key | ]', 1)).to.equal(undefined)
      expect(parseSyntax('a [b ...]', 1)).to.equal(undefined)
      expect(parseSyntax(undefined, 0)).to.equal(undefined)
      expect(parseSyntax('[EX seconds]', 0)).to.deep.equal([
        { name: 'seconds', type: 'integer', token: 'EX', flags: ['optional'] },
      ])
    })

    it('nests subcommand docs under their container', () => {
      const docs = plain(makeContext().run('COMMAND', 'DOCS', 'config')) as Record<string, { subcommands: Record<string, unknown> }>
      expect(Object.keys(docs.config!.subcommands)).to.include.members(['config|get', 'config|set'])
    })
  })

  describe('LIST', () => {
    it('lists commands and subcommands', () => {
      const names = plain(makeContext().run('COMMAND', 'LIST')) as string[]
      expect(names).to.include.members(['get', 'client', 'client|id', 'config|set', 'command|list'])
      expect(names).to.have.length([...allCommands(new Map(commandSpecs.map((s) => [s.name, s])))].length)
    })

    it('filters by pattern, ACL category or module', () => {
      const c = makeContext()
      expect(plain(c.run('COMMAND', 'LIST', 'FILTERBY', 'pattern', 'CLIENT|I*'))).to.deep.equal(['client|id', 'client|info'])
      const connection = plain(c.run('COMMAND', 'LIST', 'filterby', 'ACLCAT', 'connection')) as string[]
      expect(connection).to.include.members(['echo', 'ping', 'command', 'client|kill'])
      expect(connection).to.not.include('client')
      expect(plain(c.run('COMMAND', 'LIST', 'FILTERBY', 'aclcat', 'nonexistent'))).to.deep.equal([])
      expect(plain(c.run('COMMAND', 'LIST', 'FILTERBY', 'module', 'x'))).to.deep.equal([])
      for (const args of [['FILTERBY', 'bogus', 'x'], ['foo'], ['FILTERBY', 'pattern']]) {
        expect(plain(c.run('COMMAND', 'LIST', ...args))).to.deep.equal({ error: 'ERR syntax error' })
      }
    })
  })

  describe('GETKEYS / GETKEYSANDFLAGS', () => {
    it('finds the keys of a command line', () => {
      const c = makeContext()
      expect(plain(c.run('COMMAND', 'GETKEYS', 'get', 'a'))).to.deep.equal(['a'])
      expect(plain(c.run('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2'))).to.deep.equal(['a', 'b'])
      expect(plain(c.run('COMMAND', 'GETKEYS', 'del', 'a', 'b', 'c'))).to.deep.equal(['a', 'b', 'c'])
      expect(plain(c.run('COMMAND', 'GETKEYS', 'copy', 'src', 'dst'))).to.deep.equal(['src', 'dst'])
    })

    it('answers Redis errors for what it cannot resolve', () => {
      const c = makeContext()
      expect(plain(c.run('COMMAND', 'GETKEYS', 'nope', 'a'))).to.deep.equal({ error: 'ERR Invalid command specified' })
      expect(plain(c.run('COMMAND', 'GETKEYS', 'client', 'foo'))).to.deep.equal({ error: 'ERR Invalid command specified' })
      expect(plain(c.run('COMMAND', 'GETKEYS', 'ping', 'x'))).to.deep.equal({ error: 'ERR The command has no key arguments' })
      expect(plain(c.run('COMMAND', 'GETKEYS', 'get', 'a', 'b'))).to.deep.equal({
        error: 'ERR Invalid number of arguments specified for command',
      })
      expect(plain(c.run('COMMAND', 'GETKEYS', 'get'))).to.deep.equal({
        error: "ERR wrong number of arguments for 'command|getkeys' command",
      })
    })

    it('reports each key with its access flags', () => {
      const c = makeContext()
      expect(plain(c.run('COMMAND', 'GETKEYSANDFLAGS', 'copy', 'src', 'dst'))).to.deep.equal([
        ['src', [{ simple: 'RO' }, { simple: 'access' }]],
        ['dst', [{ simple: 'OW' }, { simple: 'update' }]],
      ])
      // SET's flags depend on GET, as Redis's setGetKeys reports them.
      expect(plain(c.run('COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v'))).to.deep.equal([
        ['k', [{ simple: 'OW' }, { simple: 'update' }]],
      ])
      expect(plain(c.run('COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v', 'get'))).to.deep.equal([
        ['k', [{ simple: 'RW' }, { simple: 'access' }, { simple: 'update' }]],
      ])
    })
  })

  describe('HELP', () => {
    it('lists the subcommands', () => {
      const help = (plain(makeContext().run('COMMAND', 'HELP')) as { simple: string }[]).map((h) => h.simple)
      expect(help).to.include.members(['COUNT', 'LIST', 'HELP', 'GETKEYS <full-command>'])
    })
  })
})

describe('command metadata', () => {
  const registered = [...allCommands(new Map(commandSpecs.map((s) => [s.name, s])))]

  it("agrees with every registered spec's key positions", () => {
    for (const spec of registered) {
      const rows = KEY_SPECS[spec.name]
      if (spec.keys.first === 0) {
        expect(rows ?? [], spec.name).to.satisfy((r: readonly unknown[]) => r.every((row) => (row as unknown[])[0] === 'not_key') || r.length === 0)
        continue
      }
      if (rows === undefined) continue
      const first = rows[0]![1]
      if (typeof first === 'number') expect(first, spec.name).to.equal(spec.keys.first)
    }
  })

  it('finds the same keys from key specs as from legacy positions for simple forms', () => {
    for (const spec of registered) {
      if (spec.keys.first === 0 || spec.keys.last < -1 || spec.arity === 0) continue
      const argc = spec.arity > 0 ? spec.arity : Math.max(-spec.arity, spec.keys.last + 1, 5)
      const argv = Array.from({ length: argc }, (_, i) => Buffer.from(i === 0 ? spec.name : `a${i}`))
      const { first, step } = spec.keys
      const last = spec.keys.last < 0 ? argc + spec.keys.last : spec.keys.last
      const expected: string[] = []
      for (let i = first; i <= last; i += step) expected.push(`a${i}`)
      const found = findKeys(spec, argv)
      expect(found?.map((k) => k.key.toString()), spec.name).to.deep.equal(expected)
    }
  })

  it('derives ACL categories as Redis does', () => {
    const byName = new Map(registered.map((s) => [s.name, s]))
    const cats = (name: string) => aclCategories(byName.get(name)!)
    expect(cats('set')).to.deep.equal(['write', 'string', 'slow'])
    expect(cats('flushall')).to.deep.equal(['keyspace', 'write', 'slow', 'dangerous'])
    expect(cats('command|info')).to.deep.equal(['slow', 'connection'])
    expect(cats('config|set')).to.deep.equal(['admin', 'slow', 'dangerous'])
    expect(cats('info')).to.deep.equal(['slow', 'dangerous'])
    expect(cats('lastsave')).to.deep.equal(['admin', 'fast', 'dangerous'])
  })
})
