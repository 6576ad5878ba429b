import { expect } from 'chai'
import { makeContext, plain } from '../../support/context.js'

describe('ECHO', () => {
  it('returns its argument as a bulk string, byte for byte', () => {
    const c = makeContext()
    const bytes = Buffer.from([0, 255, 13, 10, 128])
    const reply = c.run('ECHO', bytes)
    expect(reply.kind).to.equal('bulk')
    expect(Buffer.from((reply as { value: Buffer }).value)).to.deep.equal(bytes)
    expect(plain(c.run('ECHO', ''))).to.equal('')
  })

  it('takes exactly one argument', () => {
    expect(plain(makeContext().run('ECHO', 'a', 'b'))).to.deep.equal({
      error: "ERR wrong number of arguments for 'echo' command",
    })
  })
})

describe('QUIT', () => {
  it('answers OK and asks for the connection to close after the reply, whatever the arguments', () => {
    const c = makeContext()
    expect(plain(c.run('QUIT', 'ignored'))).to.deep.equal({ simple: 'OK' })
    expect(c.session.closeAfterReply).to.equal(true)
  })

  it('works before authentication', () => {
    const c = makeContext({ config: { requirepass: 'pw' } })
    expect(plain(c.run('QUIT'))).to.deep.equal({ simple: 'OK' })
  })
})

describe('RESET', () => {
  it('restores the state of a new connection and answers RESET', () => {
    const c = makeContext()
    c.run('HELLO', '3', 'SETNAME', 'named')
    c.run('SELECT', '4')
    c.run('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib')
    const reply = c.run('RESET')
    expect(reply).to.deep.equal({ kind: 'simple', value: 'RESET' })
    expect(c.session.resp).to.equal(2)
    expect(c.session.dbIndex).to.equal(0)
    expect(c.session.db).to.equal(c.server.databases[0])
    expect(c.session.name).to.equal('')
    // Library attributes survive RESET, as in Redis.
    expect(c.session.libName).to.equal('mylib')
  })

  it('logs the connection out when a password is required', () => {
    const c = makeContext({ config: { requirepass: 'pw' } })
    c.run('AUTH', 'pw')
    expect(plain(c.run('RESET'))).to.deep.equal({ simple: 'RESET' })
    expect(plain(c.run('GET', 'k'))).to.deep.equal({ error: 'NOAUTH Authentication required.' })
  })

  it('keeps a connection authenticated when no password is required', () => {
    const c = makeContext()
    c.run('RESET')
    expect(plain(c.run('GET', 'k'))).to.equal(null)
  })

  it('takes no arguments', () => {
    expect(plain(makeContext().run('RESET', 'x'))).to.deep.equal({
      error: "ERR wrong number of arguments for 'reset' command",
    })
  })
})
