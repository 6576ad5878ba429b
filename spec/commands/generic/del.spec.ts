import { expect } from 'chai'
import { harness, plain, str } from './harness.js'

for (const name of ['del', 'unlink']) {
  describe(name.toUpperCase(), () => {
    it('removes the named keys and counts each removed key once', () => {
      const h = harness()
      h.db.set(Buffer.from('a'), str('1'), 0)
      h.db.set(Buffer.from('b'), str('2'), 0)
      h.db.set(Buffer.from('c'), str('3'), 0)
      expect(plain(h.run(name, 'a', 'a', 'b', 'missing'))).to.equal(2)
      expect(h.db.peek(Buffer.from('a'))).to.equal(undefined)
      expect(h.db.peek(Buffer.from('b'))).to.equal(undefined)
      expect(h.db.peek(Buffer.from('c'))).not.to.equal(undefined)
    })

    it('does not count a key whose TTL has passed', () => {
      const h = harness()
      h.db.set(Buffer.from('a'), str('1'), h.now + 100)
      h.now += 101
      expect(plain(h.run(name, 'a'))).to.equal(0)
    })

    it('deletes binary keys byte-exactly', () => {
      const h = harness()
      const k = Buffer.from([0, 0xff, 0x0d, 0x0a])
      h.db.set(k, str('v'), 0)
      expect(plain(h.run(name, Buffer.from([0, 0xff, 0x0d])))).to.equal(0)
      expect(plain(h.run(name, k))).to.equal(1)
      expect(h.db.size).to.equal(0)
    })
  })
}
