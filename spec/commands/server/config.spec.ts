import { expect } from 'chai'
import { encode, makeContext, plain } from '../../support/context.js'

const OK = { simple: 'OK' }

describe('CONFIG', () => {
  describe('GET', () => {
    it('answers a map of matching options', () => {
      const c = makeContext()
      expect(plain(c.run('CONFIG', 'GET', 'maxmemory'))).to.deep.equal({ maxmemory: '0' })
      expect(plain(c.run('CONFIG', 'GET', 'maxmemory*'))).to.deep.equal({ maxmemory: '0', 'maxmemory-policy': 'noeviction' })
      expect(plain(c.run('CONFIG', 'GET', 'nonexistent'))).to.deep.equal({})
    })

    it('is a flat array in RESP2 and a map in RESP3', () => {
      const reply = makeContext().run('CONFIG', 'GET', 'hz')
      expect(encode(reply, 2)).to.equal('*2\r\n$2\r\nhz\r\n$2\r\n10\r\n')
      expect(encode(reply, 3)).to.equal('%1\r\n$2\r\nhz\r\n$2\r\n10\r\n')
    })

    it('takes several patterns and reports each option once', () => {
      const c = makeContext()
      const reply = plain(c.run('CONFIG', 'GET', 'hz', 'maxmemory', 'max*', 'HZ')) as Record<string, string>
      expect(Object.keys(reply).sort()).to.deep.equal(['hz', 'maxclients', 'maxmemory', 'maxmemory-policy'])
    })

    it('echoes an exact name as given, matching case-insensitively (as Redis 7)', () => {
      expect(plain(makeContext().run('CONFIG', 'GET', 'MAXMEMORY'))).to.deep.equal({ MAXMEMORY: '0' })
    })

    it('needs at least one pattern', () => {
      expect(plain(makeContext().run('CONFIG', 'GET'))).to.deep.equal({
        error: "ERR wrong number of arguments for 'config|get' command",
      })
    })
  })

  describe('SET', () => {
    it('sets one or several options, case-insensitively', () => {
      const c = makeContext()
      expect(plain(c.run('CONFIG', 'SET', 'HZ', '20', 'maxmemory', '1mb'))).to.deep.equal(OK)
      expect(plain(c.run('CONFIG', 'GET', 'hz', 'maxmemory'))).to.deep.equal({ hz: '20', maxmemory: '1048576' })
    })

    it('reports unknown options as given', () => {
      expect(plain(makeContext().run('CONFIG', 'SET', 'NoSuch', '1'))).to.deep.equal({
        error: "ERR Unknown option or number of arguments for CONFIG SET - 'NoSuch'",
      })
    })

    it('reports a bad value with the option name', () => {
      expect(plain(makeContext().run('CONFIG', 'SET', 'maxmemory', 'lots'))).to.deep.equal({
        error: "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value",
      })
    })

    it('rejects an option named twice', () => {
      expect(plain(makeContext().run('CONFIG', 'SET', 'hz', '20', 'HZ', '30'))).to.deep.equal({
        error: "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter",
      })
    })

    it('rejects a name without a value', () => {
      expect(plain(makeContext().run('CONFIG', 'SET', 'hz', '20', 'maxmemory'))).to.deep.equal({ error: 'ERR syntax error' })
      expect(plain(makeContext().run('CONFIG', 'SET', 'hz'))).to.deep.equal({
        error: "ERR wrong number of arguments for 'config|set' command",
      })
    })

    it('is all or nothing: a refused value undoes the ones already applied', () => {
      const c = makeContext()
      expect(plain(c.run('CONFIG', 'SET', 'hz', '50', 'maxmemory', '1mb', 'maxmemory-policy', 'bogus'))).to.have.property(
        'error',
      )
      expect(plain(c.run('CONFIG', 'GET', 'hz', 'maxmemory', 'maxmemory-policy'))).to.deep.equal({
        hz: '10',
        maxmemory: '0',
        'maxmemory-policy': 'noeviction',
      })
      expect(plain(c.run('CONFIG', 'SET', 'hz', '50', 'port', '7000'))).to.deep.equal({
        error: "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config",
      })
      expect(plain(c.run('CONFIG', 'GET', 'hz'))).to.deep.equal({ hz: '10' })
    })
  })

  describe('RESETSTAT', () => {
    it('zeroes the counters INFO reports, keeping them live', () => {
      const c = makeContext()
      c.run('SET', 'k', 'v')
      c.run('GET', 'k')
      c.run('GET', 'nope')
      c.run('INCR', 'k')
      expect(plain(c.run('CONFIG', 'RESETSTAT'))).to.deep.equal(OK)
      const stats = c.server.stats
      expect([stats.hits, stats.misses, stats.totalErrorReplies, stats.errors.size]).to.deep.equal([0, 0, 0, 0])
      expect(stats.commands.get('get')).to.deep.equal({ calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 })
      // Dispatch keeps counting into the same objects.
      c.run('GET', 'k')
      expect(stats.commands.get('get')!.calls).to.equal(1)
      expect(stats.hits).to.equal(1)
    })
  })

  describe('HELP', () => {
    it('lists the implemented subcommands', () => {
      const help = (plain(makeContext().run('CONFIG', 'HELP')) as { simple: string }[]).map((h) => h.simple)
      expect(help[0]).to.equal('CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:')
      expect(help).to.include.members(['GET <pattern>', 'SET <directive> <value>', 'RESETSTAT', 'HELP'])
    })
  })
})
