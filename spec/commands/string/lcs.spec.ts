import { expect } from 'chai'
import { array } from '../../../src/protocol/reply.js'
import { harness, notAString, plain } from './harness.js'

describe('LCS', () => {
  it('answers the sequence, its length, and with IDX the ranges from the last match to the first', () => {
    const h = harness()
    h.run('MSET', 'key1', 'ohmytext', 'key2', 'mynewtext')
    expect(plain(h.run('LCS', 'key1', 'key2'))).to.equal('mytext')
    expect(plain(h.run('LCS', 'key1', 'key2', 'LEN'))).to.equal(6)
    const idx = h.run('LCS', 'key1', 'key2', 'IDX', 'WITHMATCHLEN')
    if (idx.kind !== 'map') expect.fail(`IDX answered a ${idx.kind}`)
    expect(plain(array(idx.value.flat()))).to.deep.equal([
      'matches', [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], 'len', 6,
    ])
    expect(plain(h.run('LCS', 'key1', 'missing'))).to.equal('')
  })

  it("refuses keys that are not strings with Redis 7.0's own error, before reading the options", () => {
    const h = harness()
    h.db.set(Buffer.from('l'), notAString, 0)
    h.run('SET', 's', 'abc')
    expect(plain(h.run('LCS', 's', 'l', 'BOGUS'))).to.deep.equal({ error: 'ERR The specified keys must contain string values' })
    expect(plain(h.run('LCS', 's', 's', 'BOGUS'))).to.deep.equal({ error: 'ERR syntax error' })
  })

  it('answers Redis\'s allocation error instead of building a table past 256 MB', () => {
    const h = harness()
    h.run('SET', 'a', 'x'.repeat(9000))
    h.run('SET', 'b', 'y'.repeat(8000))
    expect(plain(h.run('LCS', 'a', 'b'))).to.deep.equal({ error: 'ERR Insufficient memory, failed allocating transient memory for LCS' })
    h.run('SET', 'b', 'x'.repeat(100))
    expect(plain(h.run('LCS', 'a', 'b', 'LEN'))).to.equal(100)
  })
})
