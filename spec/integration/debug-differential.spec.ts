// DEBUG against redis-server 7.0 started with `--enable-debug-command yes`: the same scripts go
// to both servers over raw sockets in RESP2 and RESP3, and the reply bytes must be identical
// (DEBUG PROTOCOL of every type, DIGEST and DIGEST-VALUE after writes, SLEEP, RELOAD, errors).
// DEBUG OBJECT shows a pointer and LRU clock that cannot match, so its lines are compared with
// those fields masked. With the option left at its default both refuse DEBUG with one error.

import { expect } from 'chai'
import { rawClient, replies } from '../support/raw.js'
import { serverPair } from '../support/redis-server.js'
import { seeded } from '../support/big-strings.js'

type Argv = (string | Buffer)[]

const encode = (argv: Argv): Buffer =>
  Buffer.concat([
    Buffer.from(`*${argv.length}\r\n`),
    ...argv.flatMap((a) => {
      const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a
      return [Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]
    }),
  ])

/** Marks the end of a transcript: its reply is the last bytes read. */
const END = ['ECHO', '--end-of-script--']
const END_REPLY = '$17\r\n--end-of-script--\r\n'

/**
 * Every reply byte of `commands` on a fresh connection after `HELLO resp` (whose reply, naming
 * the server, is left out). Read up to the reply of a final ECHO, so that replies need no
 * counting (a push is followed by a reply of its own).
 */
const transcript = async (port: number, resp: string, commands: Argv[]): Promise<string> => {
  const c = await rawClient(port)
  try {
    c.send(encode(['HELLO', resp]))
    await c.read(replies(1))
    c.send(Buffer.concat([...commands, END].map(encode)))
    const bytes = (await c.read((b) => b.toString('latin1').endsWith(END_REPLY), 20_000)).toString('latin1')
    return bytes.slice(0, bytes.length - END_REPLY.length)
  } finally {
    c.socket.destroy()
  }
}

const words = (line: string): Argv => line.split(' ')

const PROTOCOL_TYPES = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false']

const noise = (n: number, seed: number): Buffer => {
  const next = seeded(seed)
  return Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)))
}

const scripts: Record<string, Argv[]> = {
  'DEBUG PROTOCOL of every type': [
    ...PROTOCOL_TYPES.map((t) => ['DEBUG', 'PROTOCOL', t]),
    words('DEBUG PROTOCOL MAP'), words('DEBUG protocol Verbatim'), words('DEBUG PROTOCOL nope'), words('DEBUG PROTOCOL'),
    words('DEBUG PROTOCOL string extra'), ['DEBUG', 'PROTOCOL', ''],
  ],
  'DEBUG DIGEST and DIGEST-VALUE after a script of SETs': [
    words('FLUSHALL'), words('DEBUG DIGEST'), words('DEBUG DIGEST-VALUE'), words('DEBUG DIGEST-VALUE none'),
    words('SET a 1'), words('SET b hello'), words('SET c -42'), words('SET d 9223372036854775807'), ['SET', 'e', ''],
    ['SET', 'bin\x00key', 'v\x00\xff\r\n'], ['SET', 'long', 'x'.repeat(300)], ['SET', 'noise', noise(1000, 7)],
    words('SET t v EX 1000'), words('DEBUG DIGEST'), words('DEBUG DIGEST-VALUE a b c d e t none'),
    ['DEBUG', 'DIGEST-VALUE', 'bin\x00key', 'long', 'noise'],
    words('SELECT 3'), words('SET a 1'), words('DEBUG DIGEST'), words('DEBUG DIGEST-VALUE a b'), words('SELECT 0'),
    words('DEBUG DIGEST'), words('APPEND b world'), words('SETRANGE long 5 yy'), words('INCR a'), words('DEBUG DIGEST'),
    words('PFADD h x y z'), words('DEBUG DIGEST'), words('DEBUG DIGEST-VALUE h b'), words('PERSIST t'), words('DEBUG DIGEST'),
    words('EXPIRE a 100'), words('DEBUG DIGEST-VALUE a'), words('DEL a b c'), words('DEBUG DIGEST'),
    words('DEBUG RELOAD'), words('DEBUG DIGEST'), words('DEBUG RELOAD MERGE NOFLUSH'), words('DEBUG DIGEST'),
    words('FLUSHALL'), words('DEBUG DIGEST'), words('DEBUG DIGEST x'),
  ],
  'DEBUG SLEEP, the switches, and errors': [
    words('DEBUG SLEEP 0'), words('DEBUG SLEEP 0.05'), words('DEBUG SLEEP abc'), words('DEBUG SLEEP -1'), words('DEBUG SLEEP'),
    words('DEBUG SLEEP 0 0'), words('DEBUG SET-ACTIVE-EXPIRE 0'), words('DEBUG SET-ACTIVE-EXPIRE 1'),
    words('DEBUG SET-ACTIVE-EXPIRE x'), words('DEBUG set-active-expire 1'), words('DEBUG SET-ACTIVE-EXPIRE'),
    words('DEBUG CHANGE-REPL-ID'), words('DEBUG CHANGE-REPL-ID x'), words('DEBUG QUICKLIST-PACKED-THRESHOLD 0'),
    words('DEBUG QUICKLIST-PACKED-THRESHOLD 1'), words('DEBUG QUICKLIST-PACKED-THRESHOLD 1mb'),
    words('DEBUG QUICKLIST-PACKED-THRESHOLD 4095MB'), words('DEBUG QUICKLIST-PACKED-THRESHOLD 4gb'),
    words('DEBUG QUICKLIST-PACKED-THRESHOLD 5gb'), words('DEBUG QUICKLIST-PACKED-THRESHOLD abc'),
    words('DEBUG QUICKLIST-PACKED-THRESHOLD -1'), words('DEBUG QUICKLIST-PACKED-THRESHOLD'),
    words('DEBUG STRINGMATCH-LEN'), words('DEBUG JMAP'), words('DEBUG LISTPACK-ENTRIES 5'),
    words('DEBUG'), words('DEBUG FOO'), words('DEBUG foo bar'), words('DEBUG HELP x'), words('DEBUG OBJECT'),
    words('DEBUG OBJECT none'), words('DEBUG OBJECT a b'), words('DEBUG RELOAD FOO'), words('DEBUG RELOAD MERGE x'),
    words('DEBUG DIGEST-VALUE'), words('CONFIG GET enable-debug-command'), words('CONFIG SET enable-debug-command no'),
    words('CONFIG SET enable-debug-command local'), words('DEBUG SLEEP 0'),
  ],
}

/** DEBUG OBJECT's fields that are the server's own: the pointer and the LRU clock. */
const masked = (text: string): string =>
  text.replace(/Value at:0x[0-9a-f]+/g, 'Value at:<address>').replace(/ lru:\d+ lru_seconds_idle:\d+/g, ' lru:<clock> lru_seconds_idle:<idle>')

describe('differential: DEBUG against redis-server --enable-debug-command yes', function () {
  this.timeout(60_000)
  const servers = serverPair({ redisArgs: ['--enable-debug-command', 'yes'], ourArgs: ['--enable-debug-command', 'yes'] })

  for (const [name, commands] of Object.entries(scripts)) {
    for (const resp of ['2', '3']) {
      it(`${name} (RESP${resp})`, async () => {
        const [theirs, mine] = await Promise.all([transcript(servers.redis, resp, commands), transcript(servers.ours, resp, commands)])
        expect(mine.split('\r\n')).to.deep.equal(theirs.split('\r\n'))
      })
    }
  }

  // Redis's fuzzer runs for seconds: once, in one protocol.
  it('DEBUG STRINGMATCH-TEST', async () => {
    const commands = [words('DEBUG STRINGMATCH-TEST'), words('DEBUG STRINGMATCH-TEST x')]
    const [theirs, mine] = await Promise.all([transcript(servers.redis, '2', commands), transcript(servers.ours, '2', commands)])
    expect(mine).to.equal(theirs)
  })

  it('DEBUG SLEEP holds the whole server, not only its connection', async () => {
    const sleeper = await rawClient(servers.ours)
    const other = await rawClient(servers.ours)
    try {
      const started = Date.now()
      sleeper.send(encode(words('DEBUG SLEEP 0.3')))
      await new Promise((r) => setTimeout(r, 50))
      other.send(encode(['PING']))
      await other.read(replies(1))
      expect(Date.now() - started).to.be.at.least(280)
      expect((await sleeper.read(replies(1))).toString()).to.equal('+OK\r\n')
    } finally {
      sleeper.socket.destroy()
      other.socket.destroy()
    }
  })

  it('DEBUG OBJECT: the same line as Redis but for the pointer and the LRU clock', async () => {
    const values: [string, string | Buffer][] = [
      ['shared', '1'], ['int', '12345'], ['negative', '-7'], ['wide', '9999999999'], ['big', '92233720368547758070'],
      ['word', 'hello'], ['embstr', noise(44, 5)], ['raw', noise(45, 3)], ['empty', ''], ['noise', noise(5000, 4)],
      ['padded', '007'],
    ]
    const commands: Argv[] = [
      words('FLUSHALL'), ...values.map(([k, v]): Argv => ['SET', k, v]), words('APPEND appended abc'), words('SETRANGE ranged 2 x'),
      words('SET counter 10'), words('INCRBY counter 100000'), words('SET ttl v EX 100'),
      ...[...values.map(([k]) => k), 'appended', 'ranged', 'counter', 'ttl'].map((k): Argv => ['DEBUG', 'OBJECT', k]),
    ]
    for (const resp of ['2', '3']) {
      const [theirs, mine] = await Promise.all([transcript(servers.redis, resp, commands), transcript(servers.ours, resp, commands)])
      const lines = mine.split('\r\n').filter((l) => l.startsWith('+Value at:'))
      expect(lines).to.have.length(values.length + 4)
      for (const line of lines) expect(line).to.match(/^\+Value at:0x[0-9a-f]{12} refcount:\d+ encoding:(int|embstr|raw) serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+$/)
      expect(masked(mine).split('\r\n')).to.deep.equal(masked(theirs).split('\r\n'))
    }
  })
})

describe('differential: DEBUG refused while enable-debug-command is no (the default)', function () {
  this.timeout(30_000)
  const servers = serverPair()

  const commands: Argv[] = [
    words('DEBUG HELP'), words('DEBUG FOO'), words('DEBUG SLEEP 0'), words('DEBUG OBJECT k'), words('DEBUG PROTOCOL string'),
    words('DEBUG DIGEST'), words('DEBUG'), words('CONFIG GET enable-debug-command'), words('CONFIG SET enable-debug-command yes'),
    words('CONFIG SET enable-debug-command bogus'), words('DEBUG SLEEP 0'),
  ]
  for (const resp of ['2', '3']) {
    it(`every DEBUG form gets Redis's refusal; the option cannot change at runtime (RESP${resp})`, async () => {
      const [theirs, mine] = await Promise.all([transcript(servers.redis, resp, commands), transcript(servers.ours, resp, commands)])
      expect(mine.split('\r\n')).to.deep.equal(theirs.split('\r\n'))
    })
  }
})

describe('differential: enable-debug-command local lets a loopback client run DEBUG', function () {
  this.timeout(30_000)
  const servers = serverPair({ redisArgs: ['--enable-debug-command', 'local'], ourArgs: ['--enable-debug-command', 'local'] })

  it('the same replies as Redis from 127.0.0.1', async () => {
    const commands: Argv[] = [words('CONFIG GET enable-debug-command'), words('DEBUG SLEEP 0'), words('DEBUG PROTOCOL integer'), words('DEBUG FOO')]
    const [theirs, mine] = await Promise.all([transcript(servers.redis, '3', commands), transcript(servers.ours, '3', commands)])
    expect(mine.split('\r\n')).to.deep.equal(theirs.split('\r\n'))
    expect(mine).to.include(':12345\r\n')
  })
})
