import { expect } from 'chai'
import { START, makeContext, plain } from '../../support/context.js'

const OK = { simple: 'OK' }
const SYNTAX = { error: 'ERR syntax error' }

describe('DBSIZE', () => {
  it('counts the keys of the selected database', () => {
    const c = makeContext()
    expect(plain(c.run('DBSIZE'))).to.equal(0)
    c.run('MSET', 'a', '1', 'b', '2')
    expect(plain(c.run('DBSIZE'))).to.equal(2)
    c.run('SELECT', '1')
    expect(plain(c.run('DBSIZE'))).to.equal(0)
  })
})

describe('FLUSHDB', () => {
  it('empties only the selected database', () => {
    const c = makeContext()
    c.run('SET', 'a', '1')
    c.run('SELECT', '1')
    c.run('SET', 'b', '1')
    expect(plain(c.run('FLUSHDB'))).to.deep.equal(OK)
    expect(c.server.databases[1]!.size).to.equal(0)
    expect(c.server.databases[0]!.size).to.equal(1)
  })

  it('accepts ASYNC or SYNC, in any case, and nothing else', () => {
    const c = makeContext()
    expect(plain(c.run('FLUSHDB', 'async'))).to.deep.equal(OK)
    expect(plain(c.run('FLUSHDB', 'SYNC'))).to.deep.equal(OK)
    expect(plain(c.run('FLUSHDB', 'FOO'))).to.deep.equal(SYNTAX)
    expect(plain(c.run('FLUSHDB', 'ASYNC', 'SYNC'))).to.deep.equal(SYNTAX)
  })
})

describe('FLUSHALL', () => {
  it('empties every database', () => {
    const c = makeContext()
    c.run('SET', 'a', '1')
    c.run('SELECT', '9')
    c.run('SET', 'b', '1')
    expect(plain(c.run('FLUSHALL', 'SYNC'))).to.deep.equal(OK)
    expect(c.server.databases.every((db) => db.size === 0)).to.equal(true)
    expect(plain(c.run('FLUSHALL', 'bogus'))).to.deep.equal(SYNTAX)
  })
})

describe('TIME', () => {
  it('answers seconds and microseconds as bulk strings from the server clock', () => {
    const c = makeContext()
    c.server.time = START + 1234
    expect(plain(c.run('TIME'))).to.deep.equal([String(START / 1000 + 1), '234000'])
    c.server.time = START + 0.5
    expect(plain(c.run('TIME'))).to.deep.equal([String(START / 1000), '500'])
  })
})

describe('LASTSAVE', () => {
  it('answers the start time in seconds until persistence exists', () => {
    expect(plain(makeContext().run('LASTSAVE'))).to.equal(START / 1000)
  })
})

describe('SHUTDOWN', () => {
  it('starts a shutdown and closes the caller without a reply', () => {
    const c = makeContext()
    expect(c.run('SHUTDOWN', 'NOSAVE', 'NOW', 'FORCE')).to.deep.equal({ kind: 'none' })
    expect(c.server.shutdownRequests).to.equal(1)
    expect(c.session.closeAfterReply).to.equal(true)
  })

  it('validates its options as Redis does, without shutting down', () => {
    const c = makeContext()
    for (const args of [['BOGUS'], ['NOSAVE', 'SAVE'], ['ABORT', 'NOW'], ['SAVE', 'ABORT']]) {
      expect(plain(c.run('SHUTDOWN', ...args))).to.deep.equal(SYNTAX)
    }
    expect(plain(c.run('SHUTDOWN', 'abort'))).to.deep.equal({ error: 'ERR No shutdown in progress.' })
    expect(c.server.shutdownRequests).to.equal(0)
    expect(c.session.closeAfterReply).to.equal(false)
  })
})
