import { expect } from 'chai'
import { harness } from './harness.js'

// Which commands count keyspace hits and misses, as INFO stats shows on redis-server 7.0.15:
// reads (and SET … GET) do; write lookups (lookupKeyWrite) do not.
describe('keyspace hit and miss counting', () => {
  const counted = (args: string[], present: boolean) => {
    const h = harness()
    if (present) h.db.set(Buffer.from('k'), { type: 'string', data: Buffer.from('1') }, 0)
    const before = h.stats.hits + h.stats.misses
    h.run(...args)
    return h.stats.hits + h.stats.misses - before
  }

  for (const args of [
    ['GET', 'k'],
    ['MGET', 'k'],
    ['STRLEN', 'k'],
    ['GETRANGE', 'k', '0', '1'],
    ['GETSET', 'k', 'v'],
    ['GETDEL', 'k'],
    ['GETEX', 'k'],
    ['SET', 'k', 'v', 'GET'],
  ]) {
    it(`${args[0]} ${args.slice(3).join(' ')} counts one lookup`, () => {
      expect(counted(args, true)).to.equal(1)
      expect(counted(args, false)).to.equal(1)
    })
  }

  for (const args of [
    ['INCR', 'k'],
    ['INCRBYFLOAT', 'k', '1'],
    ['APPEND', 'k', 'x'],
    ['SETRANGE', 'k', '0', 'x'],
    ['SET', 'k', 'v', 'NX'],
    ['SET', 'k', 'v', 'KEEPTTL'],
    ['SETNX', 'k', 'v'],
    ['MSETNX', 'k', 'v'],
  ]) {
    it(`${args.join(' ')} counts none`, () => {
      expect(counted(args, true)).to.equal(0)
      expect(counted(args, false)).to.equal(0)
    })
  }
})
