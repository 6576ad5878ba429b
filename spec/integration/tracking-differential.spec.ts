// Differential spec for client-side caching (CLIENT TRACKING): the same scenario of several
// connections runs against a private redis-server 7.0 and against this server, and each
// connection's whole byte stream (its replies, and the invalidations pushed to it in RESP3 or
// published to it on `__redis__:invalidate` in RESP2) must be identical. Client ids are made
// equal on both servers first (ids are handed out in connection order, so the lower server opens
// throwaway connections until both hand out the same next id), so REDIRECT, GETREDIR,
// TRACKINGINFO and `tracking-redir-broken` compare as they are. Skipped without redis-server.

import { expect } from 'chai'
import { rawClient, replies, type RawClient } from '../support/raw.js'
import { serverPair } from '../support/redis-server.js'
import { encodeCommand, shown } from '../support/big-strings.js'

/**
 * A scenario's connections, by name, with their protocol; `sub` ones SUBSCRIBE to
 * `__redis__:invalidate` first (RESP2 receives invalidations only that way).
 */
type Connections = Readonly<Record<string, { readonly resp: 2 | 3; readonly sub?: true }>>

/**
 * A step: `<connection> <command>`, several commands pipelined in one write when separated by
 * ` | `; `@name` is that connection's client id. Also `SLEEP ms` and `<connection> CLOSE`.
 */
type Step = string

interface Scenario {
  readonly connections: Connections
  readonly steps: readonly Step[]
}

const PONG = '+PONG\r\n'
/** PING's answer on a RESP2 connection in subscribed mode. */
const SUBSCRIBED_PONG = '*2\r\n$4\r\npong\r\n$0\r\n\r\n'

/** The client id each connection of a run gets: the first after `base`, in declaration order. */
const idOf = (connections: Connections, base: number, name: string): number => base + Object.keys(connections).indexOf(name)

/** A probe's client id: the next connection gets the one after it. */
const probeId = async (port: number): Promise<number> => {
  const c = await rawClient(port)
  c.send(encodeCommand(['CLIENT', 'ID']))
  const id = Number((await c.read(replies(1))).toString().slice(1, -2))
  c.socket.destroy()
  return id
}

/** Opens connections until `port` hands out ids after `id`. */
const advanceTo = async (port: number, id: number): Promise<void> => {
  for (let next = (await probeId(port)) + 1; next <= id; next++) (await rawClient(port)).socket.destroy()
}

/** Makes the next connection to either server get the same id; returns that id. */
const alignIds = async (a: number, b: number): Promise<number> => {
  const target = Math.max(await probeId(a), await probeId(b)) + 1
  await advanceTo(a, target)
  await advanceTo(b, target)
  return target + 1
}

/**
 * Runs `scenario` on `port` with connection ids from `base`; returns each connection's stream.
 * After every step, each open connection is sent a PING and read up to its PONG: by then every
 * invalidation the step caused has arrived (a BCAST one at the end of the turn the step ran in),
 * and the streams compare in a fixed order.
 */
const run = async (port: number, base: number, scenario: Scenario): Promise<Record<string, Buffer>> => {
  const { connections, steps } = scenario
  const open = new Map<string, RawClient>()
  const streams: Record<string, Buffer[]> = {}
  try {
    for (const [name, { resp, sub }] of Object.entries(connections)) {
      const c = await rawClient(port)
      open.set(name, c)
      c.send(encodeCommand(['CLIENT', 'ID']))
      const id = Number((await c.read(replies(1))).toString().slice(1, -2))
      expect(id, `the id of connection ${name}`).to.equal(idOf(connections, base, name))
      // Emptied by the first connection, before it subscribes (when subscribed, RESP2 could not).
      if (open.size === 1) {
        c.send(encodeCommand(['FLUSHALL']))
        await c.read(replies(1))
      }
      if (resp === 3) {
        c.send(encodeCommand(['HELLO', '3']))
        await c.read(replies(1))
      }
      if (sub === true) {
        c.send(encodeCommand(['SUBSCRIBE', '__redis__:invalidate']))
        await c.read(replies(1))
      }
      streams[name] = []
    }
    for (const step of steps) {
      const [head, ...rest] = step.split(' ')
      if (head === 'SLEEP') {
        await new Promise((r) => setTimeout(r, Number(rest[0])))
        continue
      }
      const c = open.get(head!)!
      if (rest[0] === 'CLOSE') {
        c.socket.destroy()
        open.delete(head!)
        await new Promise((r) => setTimeout(r, 50))
        continue
      }
      const commands = rest.join(' ').split(' | ').map((line) =>
        line.split(' ').map((a) => (a.startsWith('@') ? String(idOf(connections, base, a.slice(1))) : a === '""' ? '' : a)),
      )
      c.send(Buffer.concat(commands.map(encodeCommand)))
      // The stepping connection first: once its PONG is back, its commands have run, and what
      // they sent to the others is queued ahead of the others' PINGs.
      for (const [name, other] of [[head!, c] as const, ...[...open].filter(([n]) => n !== head)]) {
        other.send(encodeCommand(['PING']))
        const pong = connections[name]!.resp === 2 && connections[name]!.sub === true ? SUBSCRIBED_PONG : PONG
        streams[name]!.push(await other.read((b) => b.toString('latin1').endsWith(pong)))
      }
    }
    return Object.fromEntries(Object.entries(streams).map(([name, chunks]) => [name, Buffer.concat(chunks)]))
  } finally {
    for (const c of open.values()) c.socket.destroy()
  }
}

const scenarios: Record<string, Scenario> = {
  'RESP3: each key read is invalidated once, on the first change by anyone; own changes after the reply': {
    connections: { r: { resp: 3 }, w: { resp: 2 } },
    steps: [
      'r CLIENT TRACKING ON', 'w MSET a 1 b 2 c 3', 'r GET a', 'r MGET b c nokey', 'r EXISTS d', 'r STRLEN e',
      'w SET a 1', 'w SET a 2', 'w MSET b 1 c 2', 'w DEL d', 'w DEL e', 'w SET e x', 'w SET nokey 1',
      'r GET a', 'r SET a 3', 'r GET a', 'r INCR a', 'r GET a | SET a 4 | GET a | SET a 5', 'w GET a',
      'r TYPE t', 'w APPEND t x', 'r GETRANGE t 0 -1', 'w SETRANGE t 0 y', 'r DUMP t', 'w EXPIRE t 100', 'r TTL t',
      'w PERSIST t', 'r PTTL t', 'w PERSIST t', 'w RENAME t u', 'r GET u', 'r GET t', 'w SET t 1', 'w RENAME t u',
      'r BITCOUNT u', 'w SETBIT u 1 1', 'r PFCOUNT h', 'w PFADD h a', 'r LCS u v', 'w SET v x', 'r TOUCH w1',
      'w SET w1 1', 'r OBJECT ENCODING w1', 'w INCR w1', 'r GETBIT w1 0', 'w COPY w1 w2', 'r SUBSTR w2 0 1',
      'w COPY w1 w2 REPLACE', 'r CLIENT TRACKING OFF', 'r GET a', 'w SET a 6',
    ],
  },
  'RESP3: hashes read and changed in place (HSET, HDEL of a field and of the last one, HINCRBY, an undone field)': {
    connections: { r: { resp: 3 }, w: { resp: 2 } },
    steps: [
      'r CLIENT TRACKING ON', 'w HSET h f 1 g 2', 'r HGET h f', 'w HSET h f 3', 'r HGETALL h', 'w HDEL h g', 'r HLEN h',
      'w HINCRBY h f 5', 'r HEXISTS h f', 'w HINCRBYFLOAT h f 1.5', 'r HMGET h f x', 'w HDEL h f', 'r TYPE h',
      'w HSET h a 1', 'r HKEYS h', 'w HSETNX h a 2', 'w HSETNX h b 2', 'r HRANDFIELD none', 'w SET s x', 'r HSTRLEN h a',
      'w HSET s f 1', 'r HVALS s', 'w DEL s', 'r HSCAN h 0', 'w HMSET h a 9', 'r HGET h a | HSET h a 10 | HGET h a',
    ],
  },
  'RESP3: several databases share one table of key names; MOVE, GETDEL, GETEX, SET GET': {
    connections: { r: { resp: 3 }, w: { resp: 3 } },
    steps: [
      'r CLIENT TRACKING ON', 'r GET k', 'w SELECT 2', 'w SET k 1', 'r SELECT 2', 'r GET k', 'w MOVE k 0', 'r GET k',
      'r SELECT 0', 'r GET k', 'w SELECT 0', 'w GETDEL k', 'r GET k', 'w SET k 1', 'r GET k', 'w GETEX k EX 100',
      'r GET k', 'w GETEX k', 'w SET k 2 GET', 'r GET k', 'w SET k 3 NX', 'w SET k 3 XX', 'r MGET k k k', 'w DEL k',
    ],
  },
  'RESP2: invalidations redirected to a connection subscribed to __redis__:invalidate': {
    connections: { s: { resp: 2, sub: true }, t: { resp: 2 }, w: { resp: 2 } },
    steps: [
      'w CLIENT GETREDIR', 'w CLIENT TRACKINGINFO', 't CLIENT TRACKING ON REDIRECT @s', 't CLIENT GETREDIR',
      't CLIENT TRACKINGINFO', 't GET a', 't MGET b c', 'w SET a 1', 'w MSET b 1 c 1 a 2', 't GET a', 't SET a 2',
      't GET a | INCR a | GET a', 't GET b', 'w FLUSHDB', 'w SET b 1', 't GET b', 't FLUSHALL', 't GET b', 'w SET b 2',
      't CLIENT TRACKING OFF', 't CLIENT GETREDIR', 't GET b', 'w SET b 3',
    ],
  },
  'RESP2 tracking, RESP3 redirect target that is not subscribed; and a RESP2 target that is not subscribed gets nothing': {
    connections: { p: { resp: 3 }, q: { resp: 2 }, t: { resp: 2 }, u: { resp: 2 }, w: { resp: 2 } },
    steps: [
      't CLIENT TRACKING ON REDIRECT @p', 'u CLIENT TRACKING ON REDIRECT @q', 't GET a', 'u GET a', 'w SET a 1',
      'u CLIENT TRACKING ON', 'u GET a', 'w SET a 2', 't GET a', 'w DEL a', 'p CLIENT TRACKING ON REDIRECT @p',
      'p GET x', 'w SET x 1', 'p GET x', 'p SET x 2',
    ],
  },
  'MULTI/EXEC: the invalidations of the transaction follow EXEC\'s reply; FLUSHALL and FLUSHDB send a null': {
    connections: { r: { resp: 3 }, w: { resp: 3 } },
    steps: [
      'r CLIENT TRACKING ON', 'r GET k', 'r MULTI | SET k 1 | GET k | SET k 2 | EXEC', 'r GET k',
      'r MULTI | SET k 1 | FLUSHDB | GET k | EXEC', 'r GET k', 'w MULTI | SET k 3 | INCR k | EXEC', 'r GET k',
      'r FLUSHALL', 'w FLUSHALL', 'w FLUSHDB', 'r MULTI | GET j | DISCARD', 'w SET j 1', 'r GET j',
      'w MULTI | SET j 2 | SET j 3 | EXEC', 'r GET j', 'r MULTI | SET j 4 | INCR nokey | SET j x | INCR j | EXEC',
    ],
  },
  'NOLOOP: a client is not told of its own changes': {
    connections: { r: { resp: 3 }, w: { resp: 3 } },
    steps: [
      'r CLIENT TRACKING ON NOLOOP', 'r CLIENT TRACKINGINFO', 'r GET a', 'r SET a 1', 'w SET a 2', 'r GET a', 'w SET a 3',
      'r GET b', 'r MULTI | SET b 1 | EXEC', 'w SET b 2', 'r FLUSHDB', 'r CLIENT TRACKING ON', 'r GET c', 'r SET c 1',
    ],
  },
  'BCAST: changed keys under each prefix, sorted and once per turn, to every client of it': {
    connections: { b: { resp: 3 }, c: { resp: 3 }, s: { resp: 2, sub: true }, d: { resp: 2 }, w: { resp: 2 } },
    steps: [
      'b CLIENT TRACKING ON BCAST PREFIX u PREFIX v', 'b CLIENT TRACKINGINFO', 'c CLIENT TRACKING ON BCAST',
      'd CLIENT TRACKING ON BCAST PREFIX v REDIRECT @s', 'w MSET u2 1 u1 2 v 3 z 4 | SET u2 5 | DEL u1 | SET v9 1',
      'w SET zz 1', 'b SET u3 1 | SET va 1', 'b GET u3', 'w SET u3 2', 'b FLUSHALL', 'b CLIENT TRACKING ON BCAST PREFIX w',
      'b CLIENT TRACKINGINFO', 'w SET w1 1 | SET u1 1', 'b CLIENT TRACKING ON BCAST', 'b CLIENT TRACKINGINFO', 'w SET q 1',
      'b CLIENT TRACKING OFF', 'w SET u1 2', 'd MULTI | SET v1 1 | SET v0 1 | EXEC',
    ],
  },
  'BCAST NOLOOP: the keys a client changed itself are left out; a client that changed them all gets nothing': {
    connections: { b: { resp: 3 }, w: { resp: 3 } },
    steps: [
      'b CLIENT TRACKING ON BCAST PREFIX a PREFIX b NOLOOP', 'b CLIENT TRACKINGINFO', 'b SET a1 1', 'w SET a1 1',
      'b SET a2 1 | SET b1 1', 'w SET b2 1 | SET a3 1 | SET b3 1', 'b SET a4 1', 'w SET a4 1', 'b SET a5 1 | SET b4 1',
    ],
  },
  'OPTIN and OPTOUT with CLIENT CACHING: for the next command or transaction only': {
    connections: { o: { resp: 3 }, w: { resp: 2 } },
    steps: [
      'o CLIENT TRACKING ON OPTIN', 'o GET p1', 'o CLIENT CACHING YES', 'o CLIENT TRACKINGINFO', 'o GET p2', 'o GET p3',
      'w MSET p1 1 p2 2 p3 3', 'o CLIENT CACHING YES', 'o CLIENT ID', 'o GET p4', 'w SET p4 1',
      'o CLIENT CACHING YES | MULTI | GET p5 | GET p6 | EXEC', 'o GET p7', 'w MSET p5 1 p6 1 p7 1',
      'o CLIENT CACHING YES | PING | GET p8', 'w SET p8 1', 'o CLIENT CACHING NO', 'o CLIENT TRACKING ON OPTOUT',
      'o CLIENT TRACKING OFF', 'o CLIENT TRACKING ON OPTOUT', 'o CLIENT TRACKINGINFO', 'o GET q1',
      'o CLIENT CACHING NO | GET q2', 'o GET q3', 'w MSET q1 1 q2 1 q3 1', 'o CLIENT CACHING YES',
      'o CLIENT TRACKING ON OPTIN', 'o CLIENT TRACKING ON', 'o CLIENT TRACKINGINFO',
    ],
  },
  'a redirect target that is gone: tracking-redir-broken in RESP3, the broken_redirect flag': {
    connections: { s: { resp: 2, sub: true }, t: { resp: 3 }, u: { resp: 2 }, w: { resp: 2 } },
    steps: [
      't CLIENT TRACKING ON REDIRECT @s', 'u CLIENT TRACKING ON REDIRECT @s', 't GET a', 'u GET a', 'w SET a 1',
      's CLOSE', 't GET a', 'u GET a', 'w SET a 2', 't CLIENT TRACKINGINFO', 'u CLIENT TRACKINGINFO', 't GET b',
      't SET b 1', 't FLUSHDB', 't CLIENT TRACKING ON REDIRECT @s', 't CLIENT TRACKING ON', 't CLIENT TRACKINGINFO',
    ],
  },
  'expiry: a key read and then reclaimed, lazily or by the active cycle, is invalidated': {
    connections: { r: { resp: 3 }, w: { resp: 2 } },
    steps: [
      'r CLIENT TRACKING ON', 'w SET k v PX 100', 'r GET k', 'SLEEP 400', 'r GET k', 'w DEBUG SET-ACTIVE-EXPIRE 0',
      'w SET j v PX 50', 'r GET j', 'SLEEP 150', 'r GET j', 'r GET j', 'w SET i v PX 50', 'r GET i', 'SLEEP 150',
      'w SET i w', 'w DEBUG SET-ACTIVE-EXPIRE 1',
    ],
  },
  'argument checks and their errors': {
    connections: { a: { resp: 2 }, b: { resp: 3 } },
    steps: [
      'a CLIENT TRACKING', 'a CLIENT TRACKING maybe', 'a CLIENT TRACKING ON FOO', 'a CLIENT TRACKING ON REDIRECT',
      'a CLIENT TRACKING ON PREFIX', 'a CLIENT TRACKING ON REDIRECT x', 'a CLIENT TRACKING ON REDIRECT 0',
      'a CLIENT TRACKING ON REDIRECT 99999', 'a CLIENT TRACKING ON REDIRECT @b REDIRECT @b',
      'a CLIENT TRACKING ON REDIRECT @b REDIRECT x', 'a CLIENT TRACKING ON PREFIX p', 'a CLIENT TRACKING ON OPTIN OPTOUT',
      'a CLIENT TRACKING ON BCAST OPTIN', 'a CLIENT TRACKING ON BCAST OPTOUT', 'a CLIENT TRACKING ON BCAST PREFIX ab PREFIX a',
      'a CLIENT TRACKING ON BCAST PREFIX a PREFIX bc', 'a CLIENT TRACKING ON BCAST PREFIX bcd', 'a CLIENT TRACKING ON BCAST PREFIX b',
      'a CLIENT TRACKING ON BCAST PREFIX x PREFIX x', 'a CLIENT TRACKING ON', 'a CLIENT TRACKING ON OPTIN',
      'a CLIENT TRACKING OFF PREFIX p', 'a CLIENT TRACKING OFF BCAST OPTIN OPTOUT', 'a CLIENT TRACKING maybe BCAST',
      'a CLIENT TRACKING OFF FOO', 'a CLIENT CACHING', 'a CLIENT CACHING YES', 'a CLIENT CACHING YES NO',
      'a CLIENT TRACKING ON', 'a CLIENT CACHING YES', 'a CLIENT CACHING NO', 'a CLIENT CACHING MAYBE',
      'a CLIENT TRACKING ON OPTIN', 'a CLIENT CACHING NO', 'a CLIENT CACHING maybe', 'a CLIENT TRACKING ON OPTOUT',
      'a CLIENT TRACKING ON OPTIN NOLOOP', 'a CLIENT TRACKINGINFO', 'a CLIENT GETREDIR extra', 'a CLIENT TRACKINGINFO x',
      'a MULTI | CLIENT TRACKING ON BCAST | EXEC', 'a RESET', 'a CLIENT TRACKINGINFO', 'b CLIENT TRACKING ON REDIRECT @b',
      'b CLIENT GETREDIR',
    ],
  },
}

describe('differential: client tracking against redis-server', function () {
  this.timeout(60_000)
  const servers = serverPair({ redisArgs: ['--enable-debug-command', 'yes'], ourArgs: ['--enable-debug-command', 'yes'] })

  for (const [name, scenario] of Object.entries(scenarios)) {
    it(name, async () => {
      const base = await alignIds(servers.redis, servers.ours)
      const theirs = await run(servers.redis, base, scenario)
      const mine = await run(servers.ours, base, scenario)
      for (const connection of Object.keys(scenario.connections)) {
        const a = theirs[connection]!
        const b = mine[connection]!
        if (!a.equals(b)) expect.fail(`connection ${connection}\n  redis: ${shown(a)}\n  ours:  ${shown(b)}`)
      }
    })
  }

  it('CLIENT LIST and CLIENT INFO: flags t, B and R, and redir', async () => {
    const fields = async (port: number): Promise<string[]> => {
      const base = await alignIds(servers.redis, servers.ours)
      const [s, t, b] = [await rawClient(port), await rawClient(port), await rawClient(port)]
      const ask = async (c: RawClient, argv: string[]): Promise<string> => {
        c.send(encodeCommand(argv))
        return (await c.read(replies(1))).toString()
      }
      const flagsAndRedir = (line: string): string => (line.match(/ flags=\S+| redir=\S+/g) ?? []).join('')
      try {
        const out = [flagsAndRedir(await ask(t, ['CLIENT', 'INFO']))]
        await ask(t, ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(base)])
        await ask(b, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP'])
        out.push(flagsAndRedir(await ask(t, ['CLIENT', 'INFO'])), flagsAndRedir(await ask(b, ['CLIENT', 'INFO'])))
        await ask(t, ['GET', 'k'])
        s.socket.destroy()
        await new Promise((r) => setTimeout(r, 50))
        await ask(b, ['SET', 'k', '1'])
        out.push(flagsAndRedir(await ask(t, ['CLIENT', 'INFO'])))
        out.push(...(await ask(b, ['CLIENT', 'LIST'])).split('\n').map(flagsAndRedir).filter((l) => l !== ''))
        t.send(Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['CLIENT', 'INFO']), encodeCommand(['EXEC'])]))
        out.push(flagsAndRedir((await t.read(replies(3))).toString()))
        return out.map((line) => line.replace(`redir=${base}`, 'redir=<s>'))
      } finally {
        for (const c of [s, t, b]) c.socket.destroy()
      }
    }
    const theirs = await fields(servers.redis)
    expect(await fields(servers.ours)).to.deep.equal(theirs)
    expect(theirs[2]).to.equal(' flags=tB redir=0')
    expect(theirs[3]).to.equal(' flags=tR redir=<s>')
  })
})
