import { expect } from 'chai'
import { encode, makeContext, plain } from '../../support/context.js'
import { commandTable } from '../../../src/commands/registry.js'

describe('MEMORY', () => {
  it("matches Redis's arity, flags and key positions", () => {
    const memory = commandTable.get('memory')
    expect(memory, 'memory').not.to.equal(undefined)
    const subs = memory!.subcommands!.map((s) => [s.name, s.arity, s.flags.slice().sort(), s.keys.first, s.keys.last, s.keys.step])
    expect([memory!.arity, memory!.flags]).to.deep.equal([-2, []])
    expect(subs.sort()).to.deep.equal([
      ['memory|doctor', 2, [], 0, 0, 0],
      ['memory|help', 2, ['loading', 'stale'], 0, 0, 0],
      ['memory|malloc-stats', 2, [], 0, 0, 0],
      ['memory|purge', 2, [], 0, 0, 0],
      ['memory|stats', 2, [], 0, 0, 0],
      ['memory|usage', -3, ['readonly'], 2, 2, 1],
    ])
  })

  describe('USAGE', () => {
    it('answers a byte count that grows with the key and the value', () => {
      const c = makeContext()
      c.run('SET', 'k', 'x')
      c.run('SET', 'k2', 'x'.repeat(1000))
      const small = plain(c.run('MEMORY', 'USAGE', 'k')) as number
      const large = plain(c.run('MEMORY', 'USAGE', 'k2')) as number
      expect(small).to.be.a('number').greaterThan(1)
      expect(large - small).to.be.at.least(1000)
      expect(plain(c.run('memory', 'usage', 'k2', 'SAMPLES', '0'))).to.equal(large)
      expect(plain(c.run('MEMORY', 'USAGE', 'k2', 'samples', '5', 'samples', '1'))).to.equal(large)
    })

    it('answers a null for a missing or expired key (RESP2 and RESP3)', () => {
      const c = makeContext()
      const reply = c.run('MEMORY', 'USAGE', 'nokey')
      expect(encode(reply, 2)).to.equal('$-1\r\n')
      expect(encode(reply, 3)).to.equal('_\r\n')
      c.run('SET', 'gone', 'v', 'PX', '10')
      c.server.time += 11
      expect(encode(c.run('MEMORY', 'USAGE', 'gone'), 2)).to.equal('$-1\r\n')
    })

    it("checks the options before the key, with Redis's errors", () => {
      const c = makeContext()
      const err = (...args: string[]) => plain(c.run('MEMORY', 'USAGE', ...args))
      expect(err('nokey', 'SAMPLES')).to.deep.equal({ error: 'ERR syntax error' })
      expect(err('nokey', 'FOO', '1')).to.deep.equal({ error: 'ERR syntax error' })
      expect(err('nokey', 'SAMPLES', '-1')).to.deep.equal({ error: 'ERR syntax error' })
      expect(err('nokey', 'SAMPLES', 'x')).to.deep.equal({ error: 'ERR value is not an integer or out of range' })
      expect(plain(c.run('MEMORY', 'USAGE'))).to.deep.equal({ error: "ERR wrong number of arguments for 'memory|usage' command" })
      expect(plain(c.run('MEMORY', 'FOO'))).to.deep.equal({ error: "ERR unknown subcommand 'FOO'. Try MEMORY HELP." })
    })

    it('neither counts a keyspace hit nor touches the key', () => {
      const c = makeContext()
      c.run('SET', 'k', 'v')
      c.server.time += 5000
      const counters = () => (plain(c.run('INFO', 'stats')) as string).split('\r\n').filter((l) => l.startsWith('keyspace_'))
      const before = counters()
      expect(before).to.have.length(2)
      c.run('MEMORY', 'USAGE', 'k')
      c.run('MEMORY', 'USAGE', 'missing')
      expect(counters()).to.deep.equal(before)
      expect(plain(c.run('OBJECT', 'IDLETIME', 'k'))).to.equal(5)
    })
  })

  it('HELP lists every subcommand', () => {
    const lines = plain(makeContext().run('MEMORY', 'HELP')) as unknown[]
    expect(lines[0]).to.deep.equal({ simple: 'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:' })
    for (const name of ['DOCTOR', 'MALLOC-STATS', 'PURGE', 'STATS', 'USAGE <key> [SAMPLES <count>]', 'HELP']) {
      expect(lines).to.deep.include({ simple: name })
    }
  })
})
