// Differential spec for keyspace notifications: one connection PSUBSCRIBEs `__key*__:*` while
// another runs a script of commands, against a private redis-server and against this server, in
// RESP2 and RESP3. Every command's reply and the subscriber's whole stream of messages, byte for
// byte, must be identical: which events, their names, channels and order. Also: CONFIG SET/GET of
// notify-keyspace-events (Redis's rendering and errors), events of a transaction, and the
// `expired` event of a key set with PX 50 and read after it passed. Tenant isolation, which
// redis-server has not, is checked against this server alone. Skipped without redis-server.

import { expect } from 'chai'
import { startServer, type RunningServer } from '../support/server.js'
import { rawClient, replies, type RawClient } from '../support/raw.js'
import { serverPair } from '../support/redis-server.js'
import { encodeCommand, shown } from '../support/big-strings.js'

/** Published last (by the connection that ran the script): the subscriber's stream ends here. */
const SENTINEL = ['PUBLISH', '__key__:done', 'zz-sentinel']

/** A step: a command line split at spaces ("" is an empty argument), or `SLEEP ms`. */
type Step = string

/** A stream's messages and replies, one per line, for a readable failure. */
const events = (stream: Buffer): string[] =>
  [...stream.toString('latin1').matchAll(/(__key[^\r]*)\r\n\$\d+\r\n([^\r]*)|\r\n([:+\-][^\r]*)/g)].map((m) => m[3] ?? `${m[1]} ${m[2]}`)

const argvOf = (step: Step): string[] => step.split(' ').map((a) => (a === '""' ? '' : a))

const hello = async (c: RawClient, resp: string): Promise<void> => {
  c.send(encodeCommand(['HELLO', resp]))
  await c.read(replies(1))
}

/**
 * Runs `steps` on a second connection while the first listens (or, with `self`, on the listening
 * connection itself, RESP3 only), after CONFIG SET notify-keyspace-events `flags`. Returns every
 * reply of the script, then the listener's stream up to the sentinel as one element.
 */
const run = async (port: number, resp: string, flags: string, steps: readonly Step[], self = false): Promise<Buffer[]> => {
  const listener = await rawClient(port)
  const runner = self ? listener : await rawClient(port)
  try {
    await hello(listener, resp)
    if (!self) await hello(runner, resp)
    runner.send(encodeCommand(['FLUSHALL']))
    await runner.read(replies(1))
    runner.send(encodeCommand(['CONFIG', 'SET', 'notify-keyspace-events', flags]))
    await runner.read(replies(1))
    listener.send(encodeCommand(['PSUBSCRIBE', '__key*__:*']))
    await listener.read(replies(1))
    const out: Buffer[] = []
    for (const step of steps) {
      const argv = argvOf(step)
      if (argv[0] === 'SLEEP') {
        await new Promise((r) => setTimeout(r, Number(argv[1])))
        continue
      }
      runner.send(encodeCommand(argv))
      // The listener's own replies are in its stream, between the messages.
      if (!self) out.push(await runner.read(replies(1)))
    }
    runner.send(encodeCommand(SENTINEL))
    if (!self) await runner.read(replies(1))
    const end = self ? 'zz-sentinel\r\n:1\r\n' : 'zz-sentinel\r\n'
    out.push(await listener.read((b) => b.toString('latin1').endsWith(end)))
    runner.send(encodeCommand(['CONFIG', 'SET', 'notify-keyspace-events', '']))
    await runner.read((b) => b.toString('latin1').endsWith('+OK\r\n'))
    return out
  } finally {
    listener.socket.destroy()
    runner.socket.destroy()
  }
}

const scripts: Record<string, { flags: string; steps: readonly Step[] }> = {
  'SET and its options, SETEX, PSETEX, SETNX, GETSET, MSET, MSETNX': {
    flags: 'KEA',
    steps: [
      'SET a 1', 'SET a 2 EX 100', 'SET a 3 KEEPTTL', 'SET a 4 NX', 'SET a 5 XX GET', 'SET b 1 XX', 'SET b 1 NX PX 100000',
      'SETEX c 10 x', 'PSETEX c 100000 y', 'SETNX c z', 'SETNX d z', 'GETSET d w', 'MSET m1 1 m2 2 m1 3',
      'MSETNX m3 1 m4 2', 'MSETNX m4 1 m5 2', 'SET e 1 PXAT 1', 'GET e', 'SET e 1', 'SET e 2 EXAT 1', 'EXISTS e',
    ],
  },
  'counters, APPEND, SETRANGE, GETDEL, GETEX': {
    flags: 'KEA',
    steps: [
      'INCR n', 'INCRBY n 5', 'DECR n', 'DECRBY n 2', 'INCRBYFLOAT n 1.5', 'INCRBYFLOAT n x', 'INCR s', 'APPEND s x',
      'APPEND new abc', 'SETRANGE s 0 y', 'SETRANGE s 0 ""', 'SETRANGE nokey 0 ""', 'SETRANGE r 3 abc', 'GETDEL s',
      'GETDEL nokey', 'SET g 1', 'GETEX g', 'GETEX g PERSIST', 'GETEX g EX 100', 'GETEX g PERSIST', 'GETEX g PX 1000',
      'GETEX g EXAT 1', 'GETEX g PERSIST', 'LCS r new', 'STRLEN r', 'GETRANGE r 0 -1',
    ],
  },
  'bits: SETBIT, BITFIELD, BITOP': {
    flags: 'KEA',
    steps: [
      'SETBIT b 3 1', 'SETBIT b 3 1', 'SETBIT b 3 0', 'BITFIELD b SET u8 0 255 GET u8 0', 'BITFIELD b GET u8 0',
      'BITFIELD b OVERFLOW FAIL INCRBY u2 0 5', 'BITFIELD b INCRBY u8 8 1 INCRBY u8 16 1', 'BITOP AND d b b',
      'BITOP OR d nokey1 nokey2', 'BITOP OR d nokey1', 'BITOP NOT e b', 'BITCOUNT e', 'GETBIT e 1',
    ],
  },
  'hashes: HSET, HSETNX, HMSET, HDEL (the last field: del), HINCRBY, HINCRBYFLOAT, and by class': {
    flags: 'KEA',
    steps: [
      'HSET h a 1 b 2', 'HSET h a 1', 'HSETNX h a 9', 'HSETNX h c 3', 'HMSET h d 4', 'HINCRBY h n 5', 'HINCRBYFLOAT h f 1.5',
      'HINCRBY h a x', 'HDEL h nope', 'HDEL h a b', 'HDEL nokey a', 'HGET h c', 'HDEL h c d n f', 'EXISTS h', 'HSET s f v',
      'SET str x', 'HSET str f v', 'HINCRBY new f 1', 'EXPIRE new 100', 'PERSIST new', 'RENAME new other', 'COPY other c2',
      'CONFIG SET notify-keyspace-events Kh', 'HSET h2 f v', 'HDEL h2 f', 'CONFIG SET notify-keyspace-events Eg', 'HSET h3 f v',
      'HDEL h3 f', 'CONFIG SET notify-keyspace-events Em', 'HGET nokey f', 'HGETALL nokey', 'HLEN nokey', 'HSCAN nokey 0',
      'HRANDFIELD nokey', 'HSTRLEN nokey f', 'HEXISTS nokey f',
    ],
  },
  'HyperLogLogs: PFADD, PFMERGE': {
    flags: 'KEA',
    steps: ['PFADD h a b', 'PFADD h a', 'PFADD h', 'PFADD h2', 'PFMERGE h3 h h2', 'PFMERGE h3', 'PFCOUNT h h3', 'SET s x', 'PFADD s a'],
  },
  'generic: DEL, UNLINK, EXPIRE family, PERSIST, TOUCH': {
    flags: 'KEA',
    steps: [
      'MSET a 1 b 2 c 3', 'DEL a nokey b', 'UNLINK c nokey', 'SET k 1', 'EXPIRE k 100', 'EXPIRE k 200 NX', 'EXPIRE k 300 GT',
      'PEXPIRE k 1000000 LT', 'PERSIST k', 'PERSIST k', 'EXPIREAT k 99999999999', 'PEXPIREAT k 99999999999000 XX',
      'TOUCH k nokey', 'EXPIRE k -1', 'SET k 1', 'EXPIREAT k 1', 'SET k 1', 'PEXPIRE k 0', 'EXPIRE nokey 10', 'PERSIST nokey',
    ],
  },
  'RENAME, RENAMENX, COPY, MOVE, RESTORE': {
    flags: 'KEA',
    steps: [
      'SET x 1', 'RENAME x y', 'RENAME y y', 'SET z 1', 'RENAME y z', 'RENAMENX z w', 'SET v 1', 'RENAMENX w v', 'RENAMENX w w',
      'COPY w c1', 'COPY w c1', 'COPY w c1 REPLACE', 'COPY w c2 DB 1', 'MOVE c1 1', 'MOVE w 1', 'MOVE v 1', 'MOVE nokey 1',
      'SET t 1 EX 100', 'RENAME t t2', 'DEL v', 'SET r 1',
    ],
  },
  'FLUSHDB, FLUSHALL, SELECT: no events; events of another database name it': {
    flags: 'KEA',
    steps: ['SET a 1', 'SELECT 3', 'SET a 1', 'INCR b', 'FLUSHDB', 'SET c 1', 'FLUSHALL', 'SELECT 0', 'SET d 1'],
  },
  'SWAPDB: no event of its own; events after it name the database that shows the key now': {
    flags: 'KEA',
    steps: [
      'SET a 1', 'SET e v PX 100', 'SELECT 1', 'SET b 1', 'SWAPDB 0 1', 'SET a 2', 'DEL b', 'SELECT 0', 'SET b 2', 'INCR c',
      'SWAPDB 1 0', 'SWAPDB 0 0', 'SWAPDB 0 x', 'SELECT 1', 'SET c 5', 'SLEEP 250', 'GET e', 'EXPIRE a 100', 'MOVE a 0',
    ],
  },
  'a key set with PX 50 expires: `expired` when read after it passed': {
    flags: 'KEA',
    steps: ['SET k v PX 50', 'SLEEP 150', 'GET k', 'SET j v PX 50', 'SLEEP 150', 'SET j w', 'GET j'],
  },
  'class `n`: keys created, and not by an overwrite': {
    flags: 'KEn',
    steps: [
      'SET a 1', 'SET a 2', 'INCR b', 'APPEND c x', 'SETBIT d 1 1', 'PFADD h a', 'MSET a 1 e 2', 'RENAME a f', 'SET g 1',
      'RENAME f g', 'COPY g i', 'COPY g i REPLACE', 'SET p 1 PX 50', 'SLEEP 150', 'SET p 2', 'SET q 1 PXAT 1',
    ],
  },
  'only keyspace channels, only keyevent channels, one class at a time': {
    flags: 'K$',
    steps: ['SET a 1', 'DEL a', 'SET b 1 EX 10', 'INCR n', 'CONFIG SET notify-keyspace-events Eg', 'SET a 1 EX 10', 'DEL a',
      'CONFIG SET notify-keyspace-events Ex', 'SET a 1 PX 50', 'SLEEP 150', 'GET a', 'CONFIG SET notify-keyspace-events A',
      'SET a 1', 'CONFIG SET notify-keyspace-events KEm', 'GET nokey', 'MGET a nokey2', 'EXISTS nokey3', 'SET a 1',
      'CONFIG SET notify-keyspace-events KEA'],
  },
  'class `m`: which lookups of a missing key emit `keymiss`': {
    flags: 'KEAm',
    steps: [
      'EXISTS n1', 'TYPE n2', 'TTL n3', 'PTTL n4', 'EXPIRETIME n5', 'OBJECT ENCODING n6', 'OBJECT FREQ n6b',
      'OBJECT IDLETIME n6c', 'STRLEN n7', 'GETRANGE n8 0 1', 'GETBIT n9 0', 'BITCOUNT n10', 'BITPOS n11 1', 'PFCOUNT n12',
      'LCS n13 n14', 'DUMP n15', 'TOUCH n16', 'MGET n17', 'GET n18', 'GETEX n19', 'GETDEL n20', 'BITFIELD_RO n21 GET u8 0',
      'BITFIELD n22 GET u8 0', 'SUBSTR n23 0 1', 'SET n24 1 GET', 'COPY n25 x', 'RENAME n26 x', 'MOVE n27 1',
      'MEMORY USAGE n28', 'RANDOMKEY', 'PFADD p1 a', 'PFMERGE p2 n29', 'BITOP AND p3 n30', 'APPEND n31 x',
      'INCR n32', 'GETSET n33 1', 'INCRBYFLOAT n34 1', 'SETRANGE n35 0 x', 'EXPIRE n36 10', 'PERSIST n37',
      'SETNX n38 1', 'MSETNX n39 1', 'SET n40 1 NX', 'SET n41 1 XX', 'PEXPIRETIME n42', 'DEL n43', 'UNLINK n44',
      'SET e 1 PX 1', 'SLEEP 20', 'GET e',
    ],
  },
  'a transaction: its events, and errors inside it': {
    flags: 'KEA',
    steps: ['MULTI', 'SET a 1', 'INCR a', 'INCR nokey', 'SET b x', 'INCR b', 'DEL a', 'EXEC', 'MULTI', 'SET a 1', 'DISCARD'],
  },
}

/**
 * A RESP3 subscriber that runs a transaction itself. Redis 7.0 writes the events in the middle of
 * EXEC's array reply, after each command's reply; this server writes them after EXEC's reply, as
 * Redis 7.2 does: the same events and replies, in that order.
 */
const SELF_TRANSACTION: readonly Step[] = ['SET a 0', 'MULTI', 'SET a 1', 'INCR a', 'DEL a', 'EXEC', 'SET z 1']

/** CONFIG SET values, each followed by a CONFIG GET: accepted ones render, invalid ones refused. */
const CONFIG_VALUES = [
  'KEA', 'A', 'Ag', 'KEn', 'AKEmdn', 'x$', '', 'Kz', 'Q', 'KEAQ', 'gl$shzxetd', 'nd', 'tn', 'An', 'KE', 'Em', 'g$lshzxetdnKEm',
  '$$', 'kea', 'K E',
]

describe('differential: keyspace notifications against redis-server', function () {
  this.timeout(60_000)
  const servers = serverPair()

  const compare = (theirs: Buffer[], mine: Buffer[], labels: readonly string[]): void => {
    for (let i = 0; i < theirs.length; i++) {
      if (theirs[i]!.equals(mine[i]!)) continue
      const label = labels[i]
      if (label !== undefined) expect.fail(`${label}\n  redis: ${shown(theirs[i]!)}\n  ours:  ${shown(mine[i]!)}`)
      // The stream: its messages as `channel payload` lines (the bytes matter, but read badly).
      expect(events(mine[i]!), 'the subscriber\'s stream').to.deep.equal(events(theirs[i]!))
      expect.fail(`the subscriber's stream\n  redis: ${shown(theirs[i]!)}\n  ours:  ${shown(mine[i]!)}`)
    }
    expect(mine.length).to.equal(theirs.length)
  }

  for (const [name, { flags, steps }] of Object.entries(scripts)) {
    for (const resp of ['2', '3']) {
      it(`${name} (RESP${resp})`, async () => {
        const theirs = await run(servers.redis, resp, flags, steps)
        const mine = await run(servers.ours, resp, flags, steps)
        compare(theirs, mine, steps.filter((s) => !s.startsWith('SLEEP')).map((s) => `step: ${s}`))
      })
    }
  }

  it('a RESP3 subscriber running a transaction itself: the same events and replies, events after EXEC\'s reply', async () => {
    const theirs = events((await run(servers.redis, '3', 'KEA', SELF_TRANSACTION, true))[0]!)
    const mine = events((await run(servers.ours, '3', 'KEA', SELF_TRANSACTION, true))[0]!)
    const isEvent = (line: string): boolean => line.startsWith('__key')
    expect(mine.filter(isEvent)).to.deep.equal(theirs.filter(isEvent))
    expect(mine.filter((l) => !isEvent(l))).to.deep.equal(theirs.filter((l) => !isEvent(l)))
    // EXEC's replies (+OK :2 :1), then its events (set incrby del), then SET z's.
    const execEnd = mine.indexOf(':1')
    expect(mine.slice(execEnd - 2, execEnd + 1)).to.deep.equal(['+OK', ':2', ':1'])
    expect(mine.slice(execEnd + 1, execEnd + 7).filter((l) => l.includes('__keyevent'))).to.deep.equal([
      '__key*__:* __keyevent@0__:set', '__key*__:* __keyevent@0__:incrby', '__key*__:* __keyevent@0__:del',
    ])
  })

  it('CONFIG SET and GET notify-keyspace-events: rendering and errors', async () => {
    const script = async (port: number): Promise<Buffer[]> => {
      const c = await rawClient(port)
      try {
        const out: Buffer[] = []
        for (const value of CONFIG_VALUES) {
          c.send(Buffer.concat([
            encodeCommand(['CONFIG', 'SET', 'notify-keyspace-events', value]),
            encodeCommand(['CONFIG', 'GET', 'notify-keyspace-events']),
          ]))
          out.push(await c.read(replies(2)))
        }
        c.send(encodeCommand(['CONFIG', 'SET', 'notify-keyspace-events', '']))
        out.push(await c.read(replies(1)))
        return out
      } finally {
        c.socket.destroy()
      }
    }
    compare(await script(servers.redis), await script(servers.ours), [...CONFIG_VALUES.map((v) => `value: '${v}'`), 'reset'])
  })
})

describe('keyspace notifications: tenants', function () {
  this.timeout(60_000)
  const ADMIN = 'admin-pw'
  let server: RunningServer

  before(async () => {
    server = await startServer({ args: ['--requirepass', ADMIN, '--notify-keyspace-events', 'KEA'] })
    const admin = await rawClient(server.port)
    admin.send(Buffer.concat([
      encodeCommand(['AUTH', ADMIN]),
      encodeCommand(['TENANT', 'CREATE', 't1', 'p1']),
      encodeCommand(['TENANT', 'CREATE', 't2', 'p2']),
    ]))
    expect((await admin.read(replies(3))).toString()).to.equal('+OK\r\n+OK\r\n+OK\r\n')
    admin.socket.destroy()
  })

  after(async () => {
    await server?.stop()
  })

  it('each tenant sees only its own events, with its own db index and key names', async () => {
    const login = async (user: string[]): Promise<RawClient> => {
      const c = await rawClient(server.port)
      c.send(encodeCommand(['AUTH', ...user]))
      await c.read(replies(1))
      return c
    }
    const listeners = [await login([ADMIN]), await login(['t1', 'p1']), await login(['t2', 'p2'])]
    const writers = [await login([ADMIN]), await login(['t1', 'p1']), await login(['t2', 'p2'])]
    try {
      for (const l of listeners) {
        l.send(encodeCommand(['PSUBSCRIBE', '__key*__:*']))
        await l.read(replies(1))
      }
      // The same key names in each tenant, in database 2 for tenant t2.
      const scripts = [[['SET', 'k', 'admin']], [['SET', 'k', 't1'], ['DEL', 'k']], [['SELECT', '2'], ['INCR', 'k']]]
      for (let i = 0; i < 3; i++) {
        for (const argv of scripts[i]!) {
          writers[i]!.send(encodeCommand(argv))
          await writers[i]!.read(replies(1))
        }
        writers[i]!.send(encodeCommand(SENTINEL))
        await writers[i]!.read(replies(1))
      }
      const streams = await Promise.all(listeners.map(async (l) =>
        (await l.read((b) => b.toString('latin1').endsWith('zz-sentinel\r\n'))).toString('latin1')))
      const pm = (channel: string, payload: string): string =>
        `*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$${channel.length}\r\n${channel}\r\n$${payload.length}\r\n${payload}\r\n`
      const end = pm('__key__:done', 'zz-sentinel')
      expect(streams[0]).to.equal(pm('__keyspace@0__:k', 'set') + pm('__keyevent@0__:set', 'k') + end)
      expect(streams[1]).to.equal(
        pm('__keyspace@0__:k', 'set') + pm('__keyevent@0__:set', 'k') + pm('__keyspace@0__:k', 'del') + pm('__keyevent@0__:del', 'k') + end,
      )
      expect(streams[2]).to.equal(pm('__keyspace@2__:k', 'incrby') + pm('__keyevent@2__:incrby', 'k') + end)

      // A key nobody reads again is reclaimed by the expiry actor: `expired`, to its tenant only.
      writers[1]!.send(encodeCommand(['SET', 'short', 'v', 'PX', '50']))
      await writers[1]!.read(replies(1))
      const expired = pm('__keyspace@0__:short', 'set') + pm('__keyevent@0__:set', 'short') +
        pm('__keyspace@0__:short', 'expire') + pm('__keyevent@0__:expire', 'short') +
        pm('__keyspace@0__:short', 'expired') + pm('__keyevent@0__:expired', 'short')
      expect((await listeners[1]!.read((b) => b.toString('latin1').endsWith('expired\r\n$5\r\nshort\r\n'), 3000)).toString('latin1')).to.equal(expired)
      for (const i of [0, 2]) {
        writers[i]!.send(encodeCommand(SENTINEL))
        await writers[i]!.read(replies(1))
        expect((await listeners[i]!.read((b) => b.toString('latin1').endsWith('zz-sentinel\r\n'))).toString('latin1')).to.equal(end)
      }
    } finally {
      for (const c of [...listeners, ...writers]) c.socket.destroy()
    }
  })
})
