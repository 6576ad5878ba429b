import { expect } from 'chai'
import { harness, plain, str } from './harness.js'
import { object } from '../../../src/commands/generic/object.js'

const k = (s: string) => Buffer.from(s)

describe('OBJECT', () => {
  it('lists its subcommands with the key at argument 2', () => {
    const subs = object.subcommands!.map((s) => [s.name, s.arity, s.keys.first, s.keys.last, s.keys.step])
    expect(subs.sort()).to.deep.equal([
      ['object|encoding', 3, 2, 2, 1],
      ['object|freq', 3, 2, 2, 1],
      ['object|help', 2, 0, 0, 0],
      ['object|idletime', 3, 2, 2, 1],
      ['object|refcount', 3, 2, 2, 1],
    ])
  })

  describe('ENCODING', () => {
    // [value, encoding] as redis-server 7.0.15 reports right after SET.
    const cases: [string, string][] = [
      ['100', 'int'],
      ['0', 'int'],
      ['-5', 'int'],
      ['-9223372036854775808', 'int'],
      ['9223372036854775807', 'int'],
      ['9223372036854775808', 'embstr'],
      ['12345678901234567890', 'embstr'],
      ['0123', 'embstr'],
      ['-0', 'embstr'],
      ['+1', 'embstr'],
      ['1.5', 'embstr'],
      ['', 'embstr'],
      ['x'.repeat(44), 'embstr'],
      ['x'.repeat(45), 'raw'],
      ['1'.repeat(45), 'raw'],
    ]
    for (const [value, encoding] of cases) {
      it(`${JSON.stringify(value.length > 20 ? `${value.length} bytes` : value)} is ${encoding}`, () => {
        const h = harness()
        h.db.set(k('a'), str(value), 0)
        expect(plain(h.run('object', 'encoding', 'a'))).to.deep.equal(encoding)
      })
    }

    it('counts bytes, not characters', () => {
      const h = harness()
      h.db.set(k('a'), str('é'.repeat(22)), 0) // 44 bytes
      expect(plain(h.run('object', 'encoding', 'a'))).to.deep.equal('embstr')
      h.db.set(k('a'), str(`${'é'.repeat(22)}x`), 0)
      expect(plain(h.run('object', 'encoding', 'a'))).to.deep.equal('raw')
    })

    it('replies null for a missing key', () => {
      expect(harness().run('object', 'encoding', 'nope')).to.deep.equal({ kind: 'null' })
    })
  })

  describe('REFCOUNT', () => {
    it('reports shared small integers as immortal and everything else as 1', () => {
      const h = harness()
      const cases: [string, number][] = [
        ['0', 2147483647],
        ['100', 2147483647],
        ['9999', 2147483647],
        ['10000', 1],
        ['-5', 1],
        ['abc', 1],
        ['0100', 1],
      ]
      for (const [value, refcount] of cases) {
        h.db.set(k('a'), str(value), 0)
        expect(plain(h.run('object', 'refcount', 'a')), value).to.equal(refcount)
      }
      expect(h.run('object', 'refcount', 'nope')).to.deep.equal({ kind: 'null' })
    })

    it('stops sharing integers under an LRU/LFU policy with maxmemory set', () => {
      const h = harness()
      h.db.set(k('a'), str('5'), 0)
      h.config.set('maxmemory-policy', 'allkeys-lfu')
      expect(plain(h.run('object', 'refcount', 'a'))).to.equal(2147483647)
      h.config.set('maxmemory', '104857600')
      expect(plain(h.run('object', 'refcount', 'a'))).to.equal(1)
      h.config.set('maxmemory-policy', 'volatile-ttl')
      expect(plain(h.run('object', 'refcount', 'a'))).to.equal(2147483647)
    })
  })

  describe('IDLETIME', () => {
    it('reports whole seconds since the last access without being an access itself', () => {
      const h = harness()
      h.db.set(k('a'), str('v'), 0)
      h.now += 2999
      expect(plain(h.run('object', 'idletime', 'a'))).to.equal(2)
      h.now += 1
      expect(plain(h.run('object', 'idletime', 'a'))).to.equal(3)
      expect(plain(h.run('object', 'idletime', 'a'))).to.equal(3)
      h.db.get(k('a'))
      expect(plain(h.run('object', 'idletime', 'a'))).to.equal(0)
    })

    it('replies null for a missing key and errors under an LFU policy', () => {
      const h = harness()
      h.db.set(k('a'), str('v'), 0)
      h.config.set('maxmemory-policy', 'allkeys-lfu')
      expect(h.run('object', 'idletime', 'nope')).to.deep.equal({ kind: 'null' })
      expect(plain(h.run('object', 'idletime', 'a'))).to.deep.equal({
        error:
          'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      })
    })
  })

  describe('FREQ', () => {
    it('errors without an LFU policy, after the key lookup', () => {
      const h = harness()
      h.db.set(k('a'), str('v'), 0)
      expect(h.run('object', 'freq', 'nope')).to.deep.equal({ kind: 'null' })
      expect(plain(h.run('object', 'freq', 'a'))).to.deep.equal({
        error:
          'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      })
    })

    it('under LFU reports the initial counter, decaying with idle minutes', () => {
      const h = harness()
      h.config.set('maxmemory-policy', 'volatile-lfu')
      h.db.set(k('a'), str('v'), 0)
      expect(plain(h.run('object', 'freq', 'a'))).to.equal(5)
      h.now += 2 * 60_000
      expect(plain(h.run('object', 'freq', 'a'))).to.equal(3)
      h.now += 60 * 60_000
      expect(plain(h.run('object', 'freq', 'a'))).to.equal(0)
    })
  })

  describe('HELP', () => {
    it('replies with Redis\'s help lines as simple strings', () => {
      const reply = plain(harness().run('object', 'help')) as { simple: string }[]
      expect(reply[0]).to.deep.equal({ simple: 'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:' })
      expect(reply).to.have.length(15)
      expect(reply.at(-1)).to.deep.equal({ simple: '    Prints this help.' })
    })
  })
})
