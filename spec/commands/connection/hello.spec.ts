import { expect } from 'chai'
import { encode, makeContext, plain } from '../../support/context.js'

const helloMap = (proto: number, id: number) => ({
  server: 'redis',
  version: '7.0.15',
  proto,
  id,
  mode: 'standalone',
  role: 'master',
  modules: [],
})

describe('HELLO', () => {
  it('answers the handshake map without changing the protocol when no version is given', () => {
    const c = makeContext()
    expect(plain(c.run('HELLO'))).to.deep.equal(helloMap(2, c.session.id))
    expect(c.session.resp).to.equal(2)
  })

  it('switches to RESP3 and answers with a RESP3 map', () => {
    const c = makeContext()
    const reply = c.run('hello', '3')
    expect(c.session.resp).to.equal(3)
    expect(plain(reply)).to.deep.equal(helloMap(3, c.session.id))
    expect(encode(reply, 3)).to.match(/^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/)
    expect(encode(reply, 3)).to.contain('$7\r\nmodules\r\n*0\r\n')
    expect(plain(c.run('HELLO', '2'))).to.deep.include({ proto: 2 })
    expect(c.session.resp).to.equal(2)
  })

  it('rejects other protocol versions and non-integers as Redis does', () => {
    const c = makeContext()
    for (const v of ['1', '4', '-1', '0']) {
      expect(plain(c.run('HELLO', v))).to.deep.equal({ error: 'NOPROTO unsupported protocol version' })
    }
    for (const v of ['abc', '03', '3.0', '']) {
      expect(plain(c.run('HELLO', v))).to.deep.equal({
        error: 'ERR Protocol version is not an integer or out of range',
      })
    }
    expect(c.session.resp).to.equal(2)
  })

  it('reports the first option it cannot parse, as given', () => {
    const c = makeContext()
    expect(plain(c.run('HELLO', '3', 'FOO'))).to.deep.equal({ error: "ERR Syntax error in HELLO option 'FOO'" })
    expect(plain(c.run('HELLO', '3', 'AUTH', 'default'))).to.deep.equal({
      error: "ERR Syntax error in HELLO option 'AUTH'",
    })
    expect(plain(c.run('HELLO', '3', 'SETNAME'))).to.deep.equal({ error: "ERR Syntax error in HELLO option 'SETNAME'" })
    expect(plain(c.run('HELLO', '3', 'SETNAME', 'a', 'b'))).to.deep.equal({
      error: "ERR Syntax error in HELLO option 'b'",
    })
    expect(c.session.resp).to.equal(2)
  })

  it('sets the client name, validating it', () => {
    const c = makeContext()
    c.run('HELLO', '2', 'setname', 'worker-1')
    expect(c.session.name).to.equal('worker-1')
    expect(plain(c.run('HELLO', '3', 'SETNAME', 'a b'))).to.deep.equal({
      error: 'ERR Client names cannot contain spaces, newlines or special characters.',
    })
    expect(c.session.name).to.equal('worker-1')
    expect(c.session.resp).to.equal(2)
  })

  it('accepts AUTH for the default user when no password is configured, but no other user', () => {
    const c = makeContext()
    expect(plain(c.run('HELLO', '3', 'AUTH', 'default', 'anything'))).to.deep.include({ proto: 3 })
    expect(plain(c.run('HELLO', '2', 'AUTH', 'alice', 'x'))).to.deep.equal({
      error: 'WRONGPASS invalid username-password pair or user is disabled.',
    })
  })

  describe('with requirepass', () => {
    it('refuses to switch protocol before authentication', () => {
      const c = makeContext({ config: { requirepass: 'pw' } })
      expect(plain(c.run('HELLO', '3'))).to.deep.equal({
        error:
          'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
      })
      expect(c.session.resp).to.equal(2)
    })

    it('authenticates, names and switches in one step', () => {
      const c = makeContext({ config: { requirepass: 'pw' } })
      expect(plain(c.run('HELLO', '3', 'AUTH', 'default', 'pw', 'SETNAME', 'x'))).to.deep.include({ proto: 3 })
      expect(c.session.authenticated).to.equal(true)
      expect(c.session.name).to.equal('x')
      expect(plain(c.run('GET', 'k'))).to.equal(null)
    })

    it('leaves everything unchanged on a wrong password', () => {
      const c = makeContext({ config: { requirepass: 'pw' } })
      expect(plain(c.run('HELLO', '3', 'AUTH', 'default', 'nope', 'SETNAME', 'x'))).to.deep.equal({
        error: 'WRONGPASS invalid username-password pair or user is disabled.',
      })
      expect(c.session.authenticated).to.equal(false)
      expect(c.session.resp).to.equal(2)
      expect(c.session.name).to.equal('')
    })
  })
})
