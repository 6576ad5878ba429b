// A hash's stored form (hash-value.ts) and the listpack a Redis 7.0 DUMP holds: round trips, and
// every kind of damage refused rather than read as some other hash.

import { expect } from 'chai'
import fc from 'fast-check'
import { decodeHash, encodeHash, hashOf, HashFormatError, settleEncoding } from '../../src/storage/hash-value.js'
import { decodeStoredValue, StoredValueError, TYPE_HASH, TYPE_STRING } from '../../src/storage/stored-value.js'
import { loadListpackHash, loadPayload, verifyPayload } from '../../src/commands/generic/dump-payload.js'

const latin1 = fc.string({ maxLength: 40 }).map((s) => Buffer.from(s, 'utf8').toString('latin1'))
const pairsArb = fc.uniqueArray(fc.tuple(latin1, latin1), { minLength: 1, maxLength: 40, selector: ([f]) => f })

describe('hash values', () => {
  it('decode what they encode: fields, values, order and encoding', () => {
    fc.assert(
      fc.property(pairsArb, fc.boolean(), (pairs, hashtable) => {
        const hash = hashOf(pairs, hashtable)
        const back = decodeHash(encodeHash(hash))
        expect([...back.fields]).to.deep.equal(pairs)
        expect(back.hashtable).to.equal(hashtable)
        expect(back.dataBytes).to.equal(pairs.reduce((n, [f, v]) => n + f.length + v.length, 0))
      }),
    )
  })

  it('lays out bytes as hash-value.ts describes', () => {
    const bytes = encodeHash(hashOf([['ab', 'c'], ['', 'xyz']], true))
    expect(bytes.toString('hex')).to.equal('01' + '02' + '02' + '6162' + '01' + '63' + '00' + '03' + '78797a')
  })

  it('refuses damage: no bytes, unknown flags, no fields, truncation, bytes left over, a field twice', () => {
    const good = encodeHash(hashOf([['f', 'v'], ['g', 'w']]))
    const bad = [
      Buffer.alloc(0),
      Buffer.concat([Buffer.of(2), good.subarray(1)]),
      Buffer.of(0, 0),
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Buffer.of(0)]),
      Buffer.from('00' + '02' + '0166' + '0176' + '0166' + '0177', 'hex'),
      // A length that runs past the end.
      Buffer.from('00' + '01' + '7f66', 'hex'),
    ]
    for (const bytes of bad) expect(() => decodeHash(bytes), bytes.toString('hex')).to.throw(HashFormatError)
  })

  it('is told apart from a string by its type tag, and an unknown tag is refused', () => {
    const bytes = encodeHash(hashOf([['f', 'v']]))
    expect(decodeStoredValue(TYPE_HASH, bytes).type).to.equal('hash')
    expect(decodeStoredValue(TYPE_STRING, bytes)).to.deep.equal({ type: 'string', data: bytes })
    expect(() => decodeStoredValue(7, bytes)).to.throw(StoredValueError)
  })

  it('settles the encoding a whole hash gets by hash-max-listpack-entries and -value', () => {
    const limits = { entries: 2, value: 3 }
    const small = hashOf([['a', '1'], ['b', '22']])
    settleEncoding(small, limits)
    expect(small.hashtable).to.equal(false)
    const many = hashOf([['a', '1'], ['b', '2'], ['c', '3']])
    settleEncoding(many, limits)
    expect(many.hashtable).to.equal(true)
    const long = hashOf([['a', '1234']])
    settleEncoding(long, limits)
    expect(long.hashtable).to.equal(true)
  })
})

describe('a Redis 7.0 DUMP of a listpack hash', () => {
  // redis-server 7.0.15: HSET small a 1 b -5000 c hello d 123456789012 e 1099511627776 n -1; DUMP small
  const payload = Buffer.from(
    '103d3d0000000c008161020101816202f178ec038163028568656c6c6f06816402f4141a99be1c00000009816502f4000000000001000009816e02dfff02ff0a0064d7b8a4c3e88037',
    'hex',
  )

  it('loads with every integer encoding read back as Redis prints it', () => {
    expect(verifyPayload(payload)).to.equal(true)
    const value = loadPayload(payload)
    expect(value?.type).to.equal('hash')
    if (value?.type !== 'hash') return
    expect([...value.fields]).to.deep.equal([
      ['a', '1'],
      ['b', '-5000'],
      ['c', 'hello'],
      ['d', '123456789012'],
      ['e', '1099511627776'],
      ['n', '-1'],
    ])
  })

  it('refuses a listpack that is cut, padded, mis-sized, odd or has a wrong back length', () => {
    // The listpack is the string after the type byte and its 1-byte length (0x3d = 61 bytes).
    const lp = payload.subarray(2, 2 + 61)
    expect(loadListpackHash(lp)).to.not.equal(null)
    const withTotal = (b: Buffer): Buffer => {
      const copy = Buffer.from(b)
      copy.writeUInt32LE(copy.length, 0)
      return copy
    }
    const damaged = [
      lp.subarray(0, 40),
      withTotal(Buffer.concat([lp.subarray(0, lp.length - 1), Buffer.of(0x00, 0xff)])),
      Buffer.concat([lp.subarray(0, 4), Buffer.of(11, 0), lp.subarray(6)]),
      // One entry fewer: a field without its value (the last entry, `-1` as 0xdf 0xff 0x02).
      withTotal(Buffer.concat([lp.subarray(0, 4), Buffer.of(11, 0), lp.subarray(6, lp.length - 4), Buffer.of(0xff)])),
      Buffer.concat([lp.subarray(0, 8), Buffer.of(0x05), lp.subarray(9)]),
    ]
    for (const bytes of damaged) expect(loadListpackHash(bytes), bytes.toString('hex')).to.equal(null)
  })
})
