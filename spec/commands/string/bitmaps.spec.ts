import { expect } from 'chai'
import { harness, notAString, plain, START, NOT_INTEGER, SYNTAX, WRONGTYPE } from './harness.js'

const BAD_OFFSET = { error: 'ERR bit offset is not an integer or out of range' }
const BAD_BIT = { error: 'ERR bit is not an integer or out of range' }

describe('SETBIT and GETBIT', () => {
  it('address bit 0 as the most significant bit of byte 0 and reply with the old bit', () => {
    const h = harness()
    expect(plain(h.run('SETBIT', 'k', '1', '1'))).to.equal(0)
    expect(plain(h.run('GET', 'k'))).to.equal('\x40')
    expect(plain(h.run('SETBIT', 'k', '7', '1'))).to.equal(0)
    expect(plain(h.run('SETBIT', 'k', '7', '1'))).to.equal(1)
    expect(plain(h.run('SETBIT', 'k', '1', '0'))).to.equal(1)
    expect(plain(h.run('GET', 'k'))).to.equal('\x01')
    expect(plain(h.run('GETBIT', 'k', '7'))).to.equal(1)
    expect(plain(h.run('GETBIT', 'k', '6'))).to.equal(0)
  })

  it('grow the string with zero bytes, in place and raw, keeping the TTL', () => {
    const h = harness()
    h.run('SET', 'k', 'a', 'EX', '10')
    const before = h.run('GET', 'k')
    expect(plain(h.run('SETBIT', 'k', '31', '1'))).to.equal(0)
    expect(plain(before)).to.equal('a')
    expect(plain(h.run('GET', 'k'))).to.equal('a\0\0\x01')
    expect(h.entry('k')!.expiresAt).to.equal(START + 10_000)
    const value = h.entry('k')!.value
    expect(value.type === 'string' && value.raw).to.equal(true)
  })

  it('create a missing key even when writing a 0, and make an unchanged string raw', () => {
    const h = harness()
    expect(plain(h.run('SETBIT', 'k', '9', '0'))).to.equal(0)
    expect(plain(h.run('GET', 'k'))).to.equal('\0\0')
    h.run('SET', 'i', '12')
    expect(plain(h.run('SETBIT', 'i', '0', '0'))).to.equal(0)
    const value = h.entry('i')!.value
    expect(value.type === 'string' && value.raw).to.equal(true)
    expect(plain(h.run('GET', 'i'))).to.equal('12')
  })

  it('read 0 past the end or for a missing key', () => {
    const h = harness()
    expect(plain(h.run('GETBIT', 'none', '100'))).to.equal(0)
    h.run('SET', 'k', '\xff')
    expect(plain(h.run('GETBIT', 'k', '8'))).to.equal(0)
    expect(plain(h.run('GETBIT', 'k', '4294967295'))).to.equal(0)
  })

  it('check the offset, then the bit, then the type', () => {
    const h = harness()
    h.db.set(Buffer.from('l'), notAString, 0)
    for (const offset of ['-1', 'x', '+1', '01', '', '4294967296', '9223372036854775808']) {
      expect(plain(h.run('SETBIT', 'l', offset, '1'))).to.deep.equal(BAD_OFFSET)
      expect(plain(h.run('GETBIT', 'l', offset))).to.deep.equal(BAD_OFFSET)
    }
    for (const bit of ['2', '-1', 'x', '']) expect(plain(h.run('SETBIT', 'l', '0', bit))).to.deep.equal(BAD_BIT)
    expect(plain(h.run('SETBIT', 'l', '0', '1'))).to.deep.equal(WRONGTYPE)
    expect(plain(h.run('GETBIT', 'l', '0'))).to.deep.equal(WRONGTYPE)
  })

  it('bound the offset by proto-max-bulk-len', () => {
    const h = harness()
    h.config.set('proto-max-bulk-len', '4')
    expect(plain(h.run('SETBIT', 'k', '32', '1'))).to.deep.equal(BAD_OFFSET)
    expect(plain(h.run('SETBIT', 'k', '31', '1'))).to.equal(0)
    expect(plain(h.run('GET', 'k'))).to.equal('\0\0\0\x01')
  })
})

describe('BITCOUNT', () => {
  it('counts the whole string, byte ranges and bit ranges with Redis 7.0 clamping', () => {
    const h = harness()
    h.run('SET', 's', 'foobar')
    expect(plain(h.run('BITCOUNT', 's'))).to.equal(26)
    expect(plain(h.run('BITCOUNT', 's', '0', '0'))).to.equal(4)
    expect(plain(h.run('BITCOUNT', 's', '1', '1', 'byte'))).to.equal(6)
    expect(plain(h.run('BITCOUNT', 's', '5', '30', 'BIT'))).to.equal(17)
    expect(plain(h.run('BITCOUNT', 's', '-100', '-1'))).to.equal(26)
    expect(plain(h.run('BITCOUNT', 's', '0', '100'))).to.equal(26)
    expect(plain(h.run('BITCOUNT', 's', '3', '1'))).to.equal(0)
    expect(plain(h.run('BITCOUNT', 's', '-3', '-1', 'BIT'))).to.equal(1)
    expect(plain(h.run('BITCOUNT', 's', '-9223372036854775807', '-9223372036854775808'))).to.equal(0)
  })

  it('answers 0 for a missing key or an empty string before reading other arguments', () => {
    const h = harness()
    expect(plain(h.run('BITCOUNT', 'none', '1'))).to.equal(0)
    h.run('SET', 'e', '')
    expect(plain(h.run('BITCOUNT', 'e'))).to.equal(0)
    expect(plain(h.run('BITCOUNT', 'e', '0', '-1'))).to.equal(0)
  })

  it('errors: syntax for 3 or 6 arguments or a bad unit (not for an empty negative range), integers, type', () => {
    const h = harness()
    h.run('SET', 's', 'foobar')
    expect(plain(h.run('BITCOUNT', 's', '1'))).to.deep.equal(SYNTAX)
    expect(plain(h.run('BITCOUNT', 's', '0', '-1', 'FOO'))).to.deep.equal(SYNTAX)
    expect(plain(h.run('BITCOUNT', 's', '0', '1', 'BIT', 'x'))).to.deep.equal(SYNTAX)
    expect(plain(h.run('BITCOUNT', 's', '-1', '-2', 'FOO'))).to.equal(0)
    expect(plain(h.run('BITCOUNT', 's', 'a', '1'))).to.deep.equal(NOT_INTEGER)
    h.db.set(Buffer.from('l'), notAString, 0)
    expect(plain(h.run('BITCOUNT', 'l', '1'))).to.deep.equal(WRONGTYPE)
  })
})

describe('BITPOS', () => {
  it('finds the first set or clear bit within byte or bit ranges', () => {
    const h = harness()
    h.run('SET', 'p', Buffer.from([0xff, 0xf0, 0x00]))
    expect(plain(h.run('BITPOS', 'p', '0'))).to.equal(12)
    expect(plain(h.run('BITPOS', 'p', '1'))).to.equal(0)
    expect(plain(h.run('BITPOS', 'p', '1', '2'))).to.equal(-1)
    expect(plain(h.run('BITPOS', 'p', '0', '2', '-1', 'BYTE'))).to.equal(16)
    expect(plain(h.run('BITPOS', 'p', '1', '7', '15', 'BIT'))).to.equal(7)
    expect(plain(h.run('BITPOS', 'p', '0', '7', '15', 'bit'))).to.equal(12)
    expect(plain(h.run('BITPOS', 'p', '1', '12', '23', 'BIT'))).to.equal(-1)
    expect(plain(h.run('BITPOS', 'p', '0', '1', '0'))).to.equal(-1)
  })

  it('looking for 0 in ones: the bit past the string without an explicit end, -1 with one', () => {
    const h = harness()
    h.run('SET', 'f', Buffer.from([0xff, 0xff, 0xff]))
    expect(plain(h.run('BITPOS', 'f', '0'))).to.equal(24)
    expect(plain(h.run('BITPOS', 'f', '0', '1'))).to.equal(24)
    expect(plain(h.run('BITPOS', 'f', '0', '2', 'BIT'))).to.deep.equal(NOT_INTEGER)
    expect(plain(h.run('BITPOS', 'f', '0', '0', '-1'))).to.equal(-1)
    expect(plain(h.run('BITPOS', 'f', '0', '3', '20', 'BIT'))).to.equal(-1)
  })

  it('missing key: -1 for 1, 0 for 0, whatever follows; an empty string: -1', () => {
    const h = harness()
    expect(plain(h.run('BITPOS', 'none', '1'))).to.equal(-1)
    expect(plain(h.run('BITPOS', 'none', '0', '1', '2', '3', '4'))).to.equal(0)
    h.run('SET', 'e', '')
    expect(plain(h.run('BITPOS', 'e', '0'))).to.equal(-1)
    expect(plain(h.run('BITPOS', 'e', '1'))).to.equal(-1)
  })

  it('errors: the bit first, then the type, then the range', () => {
    const h = harness()
    h.db.set(Buffer.from('l'), notAString, 0)
    expect(plain(h.run('BITPOS', 'l', '2'))).to.deep.equal({ error: 'ERR The bit argument must be 1 or 0.' })
    expect(plain(h.run('BITPOS', 'l', 'x'))).to.deep.equal(NOT_INTEGER)
    expect(plain(h.run('BITPOS', 'l', '1', 'x'))).to.deep.equal(WRONGTYPE)
    h.run('SET', 'p', 'abc')
    expect(plain(h.run('BITPOS', 'p', '1', '0', 'x', 'FOO'))).to.deep.equal(SYNTAX)
    expect(plain(h.run('BITPOS', 'p', '1', '0', 'x'))).to.deep.equal(NOT_INTEGER)
    expect(plain(h.run('BITPOS', 'p', '1', '0', '1', 'BIT', 'x'))).to.deep.equal(SYNTAX)
  })
})

describe('BITOP', () => {
  it('AND, OR, XOR and NOT to the longest source, missing sources as zeros', () => {
    const h = harness()
    h.run('SET', 'a', Buffer.from([0xf0, 0x0f]))
    h.run('SET', 'b', Buffer.from([0x3c]))
    expect(plain(h.run('BITOP', 'AND', 'd', 'a', 'b'))).to.equal(2)
    expect(plain(h.run('GET', 'd'))).to.equal('\x30\x00')
    expect(plain(h.run('BITOP', 'or', 'd', 'a', 'b', 'none'))).to.equal(2)
    expect(plain(h.run('GET', 'd'))).to.equal('\xfc\x0f')
    expect(plain(h.run('BITOP', 'XOR', 'd', 'a', 'b'))).to.equal(2)
    expect(plain(h.run('GET', 'd'))).to.equal('\xcc\x0f')
    expect(plain(h.run('BITOP', 'NOT', 'd', 'a'))).to.equal(2)
    expect(plain(h.run('GET', 'd'))).to.equal('\x0f\xf0')
    expect(plain(h.run('BITOP', 'AND', 'd', 'a', 'none'))).to.equal(2)
    expect(plain(h.run('GET', 'd'))).to.equal('\0\0')
  })

  it('replaces the destination without its TTL, and deletes it when every source is empty', () => {
    const h = harness()
    h.run('SET', 'a', 'x')
    h.run('SET', 'd', 'old', 'EX', '10')
    expect(plain(h.run('BITOP', 'OR', 'd', 'a'))).to.equal(1)
    expect(h.entry('d')!.expiresAt).to.equal(0)
    h.run('SET', 'e', '')
    expect(plain(h.run('BITOP', 'OR', 'd', 'e', 'none'))).to.equal(0)
    expect(h.entry('d')).to.equal(undefined)
  })

  it('errors: unknown operation, NOT with other than one source, a wrong type', () => {
    const h = harness()
    expect(plain(h.run('BITOP', 'FOO', 'd', 'a'))).to.deep.equal(SYNTAX)
    const single = { error: 'ERR BITOP NOT must be called with a single source key.' }
    expect(plain(h.run('BITOP', 'NOT', 'd', 'a', 'b'))).to.deep.equal(single)
    h.db.set(Buffer.from('l'), notAString, 0)
    expect(plain(h.run('BITOP', 'OR', 'd', 'none', 'l'))).to.deep.equal(WRONGTYPE)
  })
})

describe('BITFIELD and BITFIELD_RO', () => {
  const BAD_TYPE = { error: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.' }
  const BAD_OVERFLOW = { error: 'ERR Invalid OVERFLOW type specified' }
  const RO_GET_ONLY = { error: 'ERR BITFIELD_RO only supports the GET subcommand' }

  it('GET, SET and INCRBY fields across byte boundaries, with #N offsets counted in fields', () => {
    const h = harness()
    expect(plain(h.run('BITFIELD', 'k', 'SET', 'u8', '4', '255', 'GET', 'u4', '0', 'GET', 'u8', '4', 'GET', 'i8', '4'))).to.deep.equal([0, 0, 255, -1])
    expect(plain(h.run('GET', 'k'))).to.equal('\x0f\xf0')
    expect(plain(h.run('BITFIELD', 'k', 'SET', 'u8', '#1', '200', 'GET', 'u8', '8'))).to.deep.equal([240, 200])
    expect(plain(h.run('BITFIELD', 'k', 'INCRBY', 'i5', '100', '1', 'GET', 'u4', '0'))).to.deep.equal([1, 0])
    expect(plain(h.run('STRLEN', 'k'))).to.equal(14)
  })

  it('64-bit fields: i64 exactly, u63 at its top, reads past the end as zeros', () => {
    const h = harness()
    expect(plain(h.run('BITFIELD', 'k', 'SET', 'i64', '3', '-9223372036854775808', 'GET', 'i64', '3', 'GET', 'u63', '3'))).to.deep.equal([0, -(2n ** 63n), 2n ** 62n])
    expect(plain(h.run('BITFIELD', 'k', 'INCRBY', 'i64', '3', '-1'))).to.deep.equal([2n ** 63n - 1n])
    expect(plain(h.run('BITFIELD', 'k', 'SET', 'u63', '0', '9223372036854775807', 'GET', 'u63', '0'))).to.deep.equal([2n ** 59n - 1n, 2n ** 63n - 1n])
    expect(plain(h.run('BITFIELD_RO', 'k', 'GET', 'u16', '1000'))).to.deep.equal([0])
  })

  it('OVERFLOW WRAP (the default), SAT and FAIL apply to the SETs and INCRBYs after them', () => {
    const h = harness()
    expect(plain(h.run('BITFIELD', 'k', 'SET', 'u8', '0', '250', 'INCRBY', 'u8', '0', '10', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '300', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1', 'GET', 'u8', '0'))).to.deep.equal([0, 4, 255, null, 255])
    expect(plain(h.run('BITFIELD', 'k', 'OVERFLOW', 'sat', 'INCRBY', 'i8', '0', '-300', 'INCRBY', 'i8', '0', '-1', 'OVERFLOW', 'wrap', 'INCRBY', 'i8', '0', '-1'))).to.deep.equal([-128, -128, 127])
    // An unsigned SET takes the value's unsigned 64-bit pattern: -1 is too big, not too small.
    expect(plain(h.run('BITFIELD', 'k', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-1', 'GET', 'u8', '0', 'OVERFLOW', 'WRAP', 'SET', 'u8', '0', '-2', 'GET', 'u8', '0'))).to.deep.equal([127, 255, 255, 254])
    expect(plain(h.run('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'SET', 'i8', '0', '128', 'SET', 'i8', '0', '-128'))).to.deep.equal([null, -2])
    // -2^63 (0x80 then zeros) plus the largest i64, twice, then saturating.
    const max = '9223372036854775807'
    expect(plain(h.run('BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', max, 'INCRBY', 'i64', '0', max, 'INCRBY', 'i64', '0', max))).to.deep.equal([-1, 2n ** 63n - 2n, 2n ** 63n - 1n])
  })

  it('grows the string to the last byte a write reaches, even when it FAILs, keeping the TTL', () => {
    const h = harness()
    h.run('SET', 'k', 'a', 'EX', '10')
    expect(plain(h.run('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '38', '5'))).to.deep.equal([null])
    expect(plain(h.run('GET', 'k'))).to.equal('a\0\0\0\0')
    expect(h.entry('k')!.expiresAt).to.equal(START + 10_000)
    const value = h.entry('k')!.value
    expect(value.type === 'string' && value.raw).to.equal(true)
    expect(plain(h.run('BITFIELD', 'n', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '5'))).to.deep.equal([null])
    expect(plain(h.run('GET', 'n'))).to.equal('\0')
  })

  it('only GETs neither create a missing key nor count as a write; BITFIELD with no operation answers []', () => {
    const h = harness()
    expect(plain(h.run('BITFIELD', 'none', 'GET', 'u8', '0', 'OVERFLOW', 'SAT', 'GET', 'i4', '#3'))).to.deep.equal([0, 0])
    expect(plain(h.run('BITFIELD', 'none'))).to.deep.equal([])
    expect(plain(h.run('BITFIELD_RO', 'none', 'GET', 'u8', '0'))).to.deep.equal([0])
    expect(h.entry('none')).to.equal(undefined)
  })

  it('errors: every operation is parsed before any runs; then the type; BITFIELD_RO refuses writes first', () => {
    const h = harness()
    h.run('SET', 'k', 'x')
    for (const type of ['u64', 'i65', 'i0', 'U8', 'x8', 'i', 'u08', 'i-1', '']) {
      expect(plain(h.run('BITFIELD', 'k', 'SET', 'i8', '0', '1', 'GET', type, '0'))).to.deep.equal(BAD_TYPE)
    }
    for (const offset of ['-1', 'x', '#', '#-1', '##1', '4294967296', '#536870912']) {
      expect(plain(h.run('BITFIELD', 'k', 'GET', 'u8', offset))).to.deep.equal(BAD_OFFSET)
    }
    expect(plain(h.run('BITFIELD', 'k', 'SET', 'u8', '0', 'x'))).to.deep.equal(NOT_INTEGER)
    expect(plain(h.run('BITFIELD', 'k', 'OVERFLOW', 'FOO', 'GET', 'u8', '0'))).to.deep.equal(BAD_OVERFLOW)
    for (const tail of [['GET', 'u8'], ['SET', 'u8', '0'], ['OVERFLOW'], ['FOO', 'u8', '0']]) {
      expect(plain(h.run('BITFIELD', 'k', ...tail))).to.deep.equal(SYNTAX)
    }
    expect(plain(h.run('GET', 'k'))).to.equal('x')
    h.db.set(Buffer.from('l'), notAString, 0)
    expect(plain(h.run('BITFIELD', 'l', 'GET', 'u8', '0'))).to.deep.equal(WRONGTYPE)
    expect(plain(h.run('BITFIELD', 'l', 'INCRBY', 'u8', '0', '1'))).to.deep.equal(WRONGTYPE)
    expect(plain(h.run('BITFIELD_RO', 'l', 'GET', 'u8', '0'))).to.deep.equal(WRONGTYPE)
    expect(plain(h.run('BITFIELD_RO', 'l', 'SET', 'u8', '0', '1'))).to.deep.equal(RO_GET_ONLY)
    expect(plain(h.run('BITFIELD_RO', 'l', 'SET', 'u64', '0', '1'))).to.deep.equal(BAD_TYPE)
  })
})
