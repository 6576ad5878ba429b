// The tracking tables without sockets: what the keyspaces are told, and when they stop being
// told (a tenant where nobody tracks costs a write one field test), what is remembered, and the
// order of a client's own invalidations (after the reply of the command running).

import { expect } from 'chai'
import { makeContext, encode, type TestContext } from '../support/context.js'
import type { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'

/** Whether a keyspace calls WATCH and tracking on a change (its one field test). */
const observed = (db: MemoryKeyspace): boolean => Reflect.get(db, 'observed') as boolean

const pushes = (ctx: TestContext): string[] => ctx.client.delivered.splice(0).map((m) => encode(m, 3))

const invalidate = (k: string): string => `>2\r\n$10\r\ninvalidate\r\n*1\r\n$${k.length}\r\n${k}\r\n`

describe('client tracking tables', () => {
  it('the databases are observed only while a client of the tenant tracks, or a key is watched', () => {
    const a = makeContext()
    const b = a.connect()
    const dbs = a.server.databases
    expect(dbs.some(observed)).to.equal(false)
    a.run('CLIENT', 'TRACKING', 'ON')
    b.run('CLIENT', 'TRACKING', 'ON', 'BCAST')
    expect(dbs.every(observed)).to.equal(true)
    a.run('CLIENT', 'TRACKING', 'OFF')
    expect(dbs.every(observed)).to.equal(true)
    b.run('RESET')
    expect(dbs.some(observed)).to.equal(false)
    // WATCH alone observes its database; UNWATCH lets go of it.
    a.run('WATCH', 'k')
    expect(observed(dbs[0]!)).to.equal(true)
    expect(observed(dbs[1]!)).to.equal(false)
    a.run('CLIENT', 'TRACKING', 'ON')
    a.run('UNWATCH')
    expect(observed(dbs[0]!)).to.equal(true)
    a.run('CLIENT', 'TRACKING', 'OFF')
    expect(dbs.some(observed)).to.equal(false)
  })

  it('remembers the keys of readonly commands only, once per client, and forgets a key once invalidated', () => {
    const a = makeContext()
    const w = a.connect()
    a.session.resp = 3
    a.run('CLIENT', 'TRACKING', 'ON')
    a.run('MGET', 'x', 'y', 'x')
    a.run('SET', 'z', '1')
    a.run('GETDEL', 'z')
    a.run('EXISTS', 'x')
    const stats = () => a.server.tracking.stats(undefined)
    expect(stats()).to.deep.equal({ clients: 1, keys: 2, items: 2, prefixes: 0 })
    pushes(a)
    w.run('SET', 'x', '1')
    expect(pushes(a)).to.deep.equal([invalidate('x')])
    expect(stats().keys).to.equal(1)
    w.run('SET', 'x', '2')
    expect(pushes(a), 'told once').to.deep.equal([])
  })

  it('an invalidation of the client running the command follows its reply; any other goes at once', () => {
    const a = makeContext()
    a.session.resp = 3
    const delivered: string[] = []
    // The context delivers both kinds to one list: tell them apart here.
    Object.assign(a, {
      deliver: (m: Parameters<TestContext['deliver']>[0]) => delivered.push('now ' + encode(m, 3)),
      deliverAfterReply: (m: Parameters<TestContext['deliver']>[0]) => delivered.push('after ' + encode(m, 3)),
    })
    a.run('CLIENT', 'TRACKING', 'ON')
    a.run('GET', 'k')
    a.run('SET', 'k', '1')
    a.run('GET', 'k')
    a.connect().run('DEL', 'k')
    expect(delivered).to.deep.equal(['after ' + invalidate('k'), 'now ' + invalidate('k')])
  })
})
