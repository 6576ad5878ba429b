import { expect } from 'chai'
import { harness, str } from './harness.js'

// [command, keyspace_hits, keyspace_misses] after running it once with key `a` present, as
// redis-server 7.0.15 reports in INFO stats.
const CASES: [string[], number, number][] = [
  [['exists', 'a'], 1, 0],
  [['exists', 'nokey', 'a', 'a'], 2, 1],
  [['type', 'a'], 1, 0],
  [['ttl', 'a'], 1, 0],
  [['pttl', 'nokey'], 0, 1],
  [['expiretime', 'a'], 1, 0],
  [['pexpiretime', 'a'], 1, 0],
  [['object', 'encoding', 'a'], 1, 0],
  [['object', 'idletime', 'nokey'], 0, 1],
  [['object', 'refcount', 'a'], 1, 0],
  [['touch', 'a'], 1, 0],
  [['touch', 'nokey'], 0, 1],
  [['copy', 'a', 'b'], 1, 0],
  [['copy', 'nokey', 'b'], 0, 1],
  [['expire', 'a', '100'], 0, 0],
  [['persist', 'a'], 0, 0],
  [['rename', 'a', 'c'], 0, 0],
  [['del', 'a'], 0, 0],
  [['randomkey'], 0, 0],
  [['keys', '*'], 0, 0],
  [['scan', '0'], 0, 0],
  [['scan', '0', 'match', 'a'], 0, 0],
  [['scan', '0', 'type', 'string'], 3, 0],
  [['scan', '0', 'type', 'hash', 'match', 'a'], 1, 0],
]

describe('keyspace hits and misses (INFO stats)', () => {
  for (const [argv, hits, misses] of CASES) {
    it(`${argv.join(' ')} counts ${hits} hits, ${misses} misses`, () => {
      const h = harness()
      for (const key of ['a', 'x', 'y']) h.db.set(Buffer.from(key), str('1'), 0)
      h.stats.hits = 0
      h.stats.misses = 0
      h.run(...argv)
      expect([h.stats.hits, h.stats.misses]).to.deep.equal([hits, misses])
    })
  }
})
