import { expect } from 'chai'
import { makeContext, plain } from '../../support/context.js'

const WRONGPASS = { error: 'WRONGPASS invalid username-password pair or user is disabled.' }
const NOAUTH = { error: 'NOAUTH Authentication required.' }

describe('AUTH', () => {
  it('warns about the legacy form when no password is configured', () => {
    const c = makeContext()
    expect(plain(c.run('AUTH', 'x'))).to.deep.equal({
      error:
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    })
  })

  it('accepts any password for the default user when none is configured', () => {
    const c = makeContext()
    expect(plain(c.run('AUTH', 'default', 'whatever'))).to.deep.equal({ simple: 'OK' })
    expect(plain(c.run('AUTH', 'someone', 'whatever'))).to.deep.equal(WRONGPASS)
  })

  it('rejects more than two arguments', () => {
    expect(plain(makeContext().run('AUTH', 'a', 'b', 'c'))).to.deep.equal({ error: 'ERR syntax error' })
  })

  describe('with requirepass', () => {
    it('keeps a connection out until it authenticates, by either form', () => {
      const c = makeContext({ config: { requirepass: 'secret' } })
      expect(plain(c.run('GET', 'k'))).to.deep.equal(NOAUTH)
      expect(plain(c.run('AUTH', 'wrong'))).to.deep.equal(WRONGPASS)
      expect(plain(c.run('GET', 'k'))).to.deep.equal(NOAUTH)
      expect(plain(c.run('AUTH', 'secret'))).to.deep.equal({ simple: 'OK' })
      expect(plain(c.run('GET', 'k'))).to.equal(null)

      const d = c.connect()
      expect(plain(d.run('AUTH', 'default', 'secret'))).to.deep.equal({ simple: 'OK' })
      expect(d.session.authenticated).to.equal(true)
    })

    it('checks the user name and compares the password as bytes', () => {
      const c = makeContext({ config: { requirepass: 'secret' } })
      expect(plain(c.run('AUTH', 'admin', 'secret'))).to.deep.equal(WRONGPASS)
      expect(plain(c.run('AUTH', 'secre'))).to.deep.equal(WRONGPASS)
      expect(plain(c.run('AUTH', 'secret\0'))).to.deep.equal(WRONGPASS)
      expect(plain(c.run('AUTH', 'SECRET'))).to.deep.equal(WRONGPASS)
    })

    it('does not log out a connection on a later wrong password', () => {
      const c = makeContext({ config: { requirepass: 'secret' } })
      c.run('AUTH', 'secret')
      expect(plain(c.run('AUTH', 'wrong'))).to.deep.equal(WRONGPASS)
      expect(c.session.authenticated).to.equal(true)
    })

    it('matches a password set at runtime with non-ASCII bytes', () => {
      const c = makeContext()
      const pw = Buffer.from('pässwörd', 'utf8')
      expect(plain(c.run('CONFIG', 'SET', 'requirepass', pw))).to.deep.equal({ simple: 'OK' })
      const d = c.connect()
      expect(plain(d.run('AUTH', 'pässwörd'))).to.deep.equal({ simple: 'OK' })
    })
  })
})
