import { expect } from 'chai'
import { crc64, dumpPayload, loadPayload, lzfDecompress, verifyPayload } from '../../../src/commands/generic/dump-payload.js'
import { countPeeks, harness, plain, str } from './harness.js'
import { dataOf } from '../../support/values.js'

const k = (s: string) => Buffer.from(s)
const withCrc = (body: Buffer) => Buffer.concat([body, crc64(body)])
const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex')

describe('the DUMP payload', () => {
  it('CRC-64/Jones as Redis computes it: the check value of "123456789", stored little-endian', () => {
    expect(crc64(Buffer.from('123456789')).readBigUInt64LE(0)).to.equal(0xe9c6d914c4b8d9can)
    expect(crc64(Buffer.alloc(0)).readBigUInt64LE(0)).to.equal(0n)
  })

  it('strings as type 0, plain or as 8, 16 and 32-bit integers, then version 10 and the CRC', () => {
    const body = (p: Buffer) => p.subarray(0, p.length - 8).toString('hex')
    expect(body(dumpPayload(str('ab')))).to.equal('0002' + '6162' + '0a00')
    expect(body(dumpPayload(str('-1')))).to.equal('00c0ff0a00')
    expect(body(dumpPayload(str('300')))).to.equal('00c12c010a00')
    expect(body(dumpPayload(str('-2147483648')))).to.equal('00c2000000800a00')
    // Not canonical or beyond 32 bits: plain.
    expect(body(dumpPayload(str('007')))).to.equal('0003' + '303037' + '0a00')
    expect(body(dumpPayload(str('2147483648')))).to.equal('000a' + Buffer.from('2147483648').toString('hex') + '0a00')
    // 14-bit and 32-bit lengths, big-endian.
    expect(dumpPayload(str('x'.repeat(64))).subarray(0, 3).toString('hex')).to.equal('004040')
    expect(dumpPayload(str('x'.repeat(16384))).subarray(0, 6).toString('hex')).to.equal('008000004000')
    for (const v of ['', 'ab', '-1', '300', '007', 'x'.repeat(70000)]) {
      const p = dumpPayload(str(v))
      expect(verifyPayload(p)).to.equal(true)
      expect((loadPayload(p) as { data: Buffer }).data.toString()).to.equal(v)
    }
  })

  it('refuses a short payload, a later version or a wrong CRC; accepts earlier versions', () => {
    const p = dumpPayload(str('ab'))
    expect(verifyPayload(p.subarray(0, 9))).to.equal(false)
    const bad = Buffer.from(p)
    bad[bad.length - 1]! ^= 0x80
    expect(verifyPayload(bad)).to.equal(false)
    expect(verifyPayload(withCrc(hex('00 02 6162 0b00')))).to.equal(false)
    expect(verifyPayload(withCrc(hex('00 02 6162 0900')))).to.equal(true)
  })

  it('LZF: literal runs and overlapping back references, exactly to the stated length', () => {
    // "abc" as a literal run, then a reference one byte back for 5 + 2 bytes: seven more "c".
    expect(lzfDecompress(hex('02 616263 a0 00'), 10)!.toString()).to.equal('abcccccccc')
    expect(lzfDecompress(hex('02 616263 a0 00'), 9)).to.equal(null)
    expect(lzfDecompress(hex('02 616263 a0 00'), 11)).to.equal(null)
    expect(lzfDecompress(hex('20 00'), 2)).to.equal(null)
    const lzf = withCrc(hex('00 c3 06 0a 02 616263 a0 00 0a00'))
    expect((loadPayload(lzf) as { data: Buffer }).data.toString()).to.equal('abcccccccc')
  })

  it('types other than strings and hashes (a list) and unknown encodings are not loaded', () => {
    expect(loadPayload(withCrc(hex('01 01 01 61 0a00')))).to.equal(null)
    const hash = loadPayload(withCrc(hex('04 01 01 61 01 62 0a00')))
    expect(hash?.type === 'hash' && [...hash.fields]).to.deep.equal([['a', 'b']])
    // An empty hash, and a field given twice, as Redis refuses them.
    expect(loadPayload(withCrc(hex('04 00 0a00')))).to.equal(null)
    expect(loadPayload(withCrc(hex('04 02 01 61 01 62 01 61 01 63 0a00')))).to.equal(null)
    expect(loadPayload(withCrc(hex('00 c4 0a00')))).to.equal(null)
    expect(loadPayload(withCrc(hex('00 05 61 0a00')))).to.not.equal(null)
  })
})

describe('DUMP and RESTORE', () => {
  it('round-trip a value, with a relative or absolute TTL', () => {
    const h = harness()
    h.db.set(k('a'), str('hello'), 0)
    const payload = (h.run('DUMP', 'a') as { value: Buffer }).value
    expect(plain(h.run('DUMP', 'none'))).to.equal(null)
    expect(plain(h.run('RESTORE', 'b', '1500', payload))).to.deep.equal({ simple: 'OK' })
    expect(dataOf(h.db.peek(k('b'))!.value).toString()).to.equal('hello')
    expect(h.db.peek(k('b'))!.expiresAt).to.equal(h.now + 1500)
    expect(plain(h.run('RESTORE', 'c', String(h.now + 99), payload, 'ABSTTL'))).to.deep.equal({ simple: 'OK' })
    expect(h.db.peek(k('c'))!.expiresAt).to.equal(h.now + 99)
  })

  it('REPLACE with notifications off looks the key up no more: the old key is looked up for the `new` event alone', () => {
    const h = harness()
    h.db.set(k('a'), str('hello'), 0)
    const payload = (h.run('DUMP', 'a') as { value: Buffer }).value
    const looked = countPeeks(h.db)
    expect(plain(h.run('RESTORE', 'a', '0', payload, 'REPLACE'))).to.deep.equal({ simple: 'OK' })
    expect(looked).to.deep.equal([])
  })

  it('BUSYKEY without REPLACE; a TTL already past creates nothing and REPLACE deletes the old key', () => {
    const h = harness()
    h.db.set(k('a'), str('old'), 0)
    const payload = dumpPayload(str('new'))
    expect(plain(h.run('RESTORE', 'a', '0', payload))).to.deep.equal({ error: 'BUSYKEY Target key name already exists.' })
    expect(plain(h.run('RESTORE', 'a', String(h.now), payload, 'ABSTTL', 'REPLACE'))).to.deep.equal({ simple: 'OK' })
    expect(h.db.peek(k('a'))).to.equal(undefined)
    expect(plain(h.run('RESTORE', 'a', '0', payload, 'IDLETIME', '10'))).to.deep.equal({ simple: 'OK' })
    expect(dataOf(h.db.peek(k('a'))!.value).toString()).to.equal('new')
  })

  it('errors: options first, then the existing key, the TTL, the checksum, the data', () => {
    const h = harness()
    const payload = dumpPayload(str('v'))
    h.db.set(k('a'), str('old'), 0)
    expect(plain(h.run('RESTORE', 'a', '-1', 'x', 'FOO'))).to.deep.equal({ error: 'ERR syntax error' })
    expect(plain(h.run('RESTORE', 'a', '-1', 'x', 'IDLETIME', '-1'))).to.deep.equal({ error: 'ERR Invalid IDLETIME value, must be >= 0' })
    expect(plain(h.run('RESTORE', 'a', '-1', 'x', 'FREQ', '256'))).to.deep.equal({ error: 'ERR Invalid FREQ value, must be >= 0 and <= 255' })
    expect(plain(h.run('RESTORE', 'a', '-1', 'x', 'FREQ', '1', 'IDLETIME', '1'))).to.deep.equal({ error: 'ERR syntax error' })
    expect(plain(h.run('RESTORE', 'a', '-1', 'x'))).to.deep.equal({ error: 'BUSYKEY Target key name already exists.' })
    expect(plain(h.run('RESTORE', 'b', '-1', 'x'))).to.deep.equal({ error: 'ERR Invalid TTL value, must be >= 0' })
    expect(plain(h.run('RESTORE', 'b', 'x', payload))).to.deep.equal({ error: 'ERR value is not an integer or out of range' })
    expect(plain(h.run('RESTORE', 'b', '0', 'x'))).to.deep.equal({ error: 'ERR DUMP payload version or checksum are wrong' })
    // A list payload, well formed for Redis: we hold no lists yet.
    expect(plain(h.run('RESTORE', 'b', '0', withCrc(hex('12 01 0b 0b000000 01 00 81 61 ff 0a00'))))).to.deep.equal({ error: 'ERR Bad data format' })
    expect(h.db.peek(k('b'))).to.equal(undefined)
  })
})
