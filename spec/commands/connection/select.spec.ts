import { expect } from 'chai'
import { makeContext, plain } from '../../support/context.js'

describe('SELECT', () => {
  it('switches the connection to another database', () => {
    const c = makeContext()
    c.run('SET', 'k', 'zero')
    expect(plain(c.run('SELECT', '15'))).to.deep.equal({ simple: 'OK' })
    expect(c.session.dbIndex).to.equal(15)
    expect(c.session.db).to.equal(c.server.databases[15])
    expect(plain(c.run('GET', 'k'))).to.equal(null)
    c.run('SET', 'k', 'fifteen')
    c.run('SELECT', '0')
    expect(plain(c.run('GET', 'k'))).to.equal('zero')
  })

  it('leaves other connections on their own database', () => {
    const c = makeContext()
    const d = c.connect()
    c.run('SELECT', '3')
    expect(d.session.dbIndex).to.equal(0)
  })

  it('rejects indexes outside the configured databases', () => {
    const c = makeContext()
    for (const i of ['16', '-1', '2147483647']) {
      expect(plain(c.run('SELECT', i))).to.deep.equal({ error: 'ERR DB index is out of range' })
    }
    expect(c.session.dbIndex).to.equal(0)
  })

  it('rejects what is not an integer, as Redis parses it', () => {
    const c = makeContext()
    for (const i of ['abc', '01', '1.0', '+1', ' 1', '', '9223372036854775808']) {
      expect(plain(c.run('SELECT', i))).to.deep.equal({ error: 'ERR value is not an integer or out of range' })
    }
  })

  it('rejects a 64-bit integer beyond a C int with the range error, as getIntFromObjectOrReply', () => {
    const c = makeContext()
    for (const i of ['2147483648', '-2147483649', '9223372036854775807']) {
      expect(plain(c.run('SELECT', i))).to.deep.equal({
        error: 'ERR value is out of range, value must between -2147483648 and 2147483647',
      })
    }
  })
})
