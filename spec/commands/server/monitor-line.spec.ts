// monitorLine and quoted: the line a MONITOR connection receives, as Redis's
// replicationFeedMonitors and sdscatrepr write it.

import { expect } from 'chai'
import { monitorLine } from '../../../src/actors/monitors.js'
import { quoted } from '../../../src/protocol/repr.js'

describe('monitorLine', () => {
  it('prints seconds and six digits of µs, the database, the address, and each argument quoted', () => {
    const argv = ['SET', 'k', 'v'].map((w) => Buffer.from(w))
    expect(monitorLine(1_700_000_000_000_123, 0, '127.0.0.1:50000', argv)).to.equal('1700000000.000123 [0 127.0.0.1:50000] "SET" "k" "v"')
    expect(monitorLine(1_700_000_000_123_456, 15, '127.0.0.1:1', argv.slice(0, 1))).to.equal('1700000000.123456 [15 127.0.0.1:1] "SET"')
  })

  it('shows redacted positions as "(redacted)"', () => {
    const argv = ['AUTH', 'user', 'pw'].map((w) => Buffer.from(w))
    expect(monitorLine(0, 0, 'a:1', argv, [1, 2])).to.equal('0.000000 [0 a:1] "AUTH" "(redacted)" "(redacted)"')
  })
})

describe('quoted (sdscatrepr)', () => {
  it('escapes backslash, quote and the control characters C names; other bytes outside printable ASCII as \\xHH', () => {
    expect(quoted(Buffer.from('a\\b"c\n\r\t\x07\x08'))).to.equal('"a\\\\b\\"c\\n\\r\\t\\a\\b"')
    expect(quoted(Buffer.from([0, 0x1f, 0x7f, 0xc3, 0xa9, 0x20, 0x7e]))).to.equal('"\\x00\\x1f\\x7f\\xc3\\xa9 ~"')
    expect(quoted(Buffer.alloc(0))).to.equal('""')
  })
})
