import { expect } from 'chai'
import { START, encode, makeContext, plain } from '../../support/context.js'

const INVALID_NAME = { error: 'ERR Client names cannot contain spaces, newlines or special characters.' }
const OK = { simple: 'OK' }

/** A CLIENT LIST line as fields, checking the field order of Redis 7.2 on the way. */
const FIELDS = [
  'id', 'addr', 'laddr', 'fd', 'name', 'age', 'idle', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'qbuf',
  'qbuf-free', 'argv-mem', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem', 'events', 'cmd', 'user',
  'redir', 'resp', 'lib-name', 'lib-ver',
]
const fields = (line: string): Record<string, string> => {
  const pairs = line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const)
  expect(pairs.map(([k]) => k)).to.deep.equal(FIELDS)
  return Object.fromEntries(pairs)
}
const lines = (text: unknown): string[] => {
  expect(text).to.be.a('string')
  expect(text as string).to.match(/\n$|^$/)
  return (text as string).split('\n').slice(0, -1)
}

describe('CLIENT', () => {
  it('answers unknown subcommands as Redis does', () => {
    expect(plain(makeContext().run('CLIENT', 'nope'))).to.deep.equal({
      error: "ERR unknown subcommand 'nope'. Try CLIENT HELP.",
    })
  })

  describe('ID', () => {
    it('is the connection id', () => {
      const c = makeContext()
      const d = c.connect()
      expect(plain(c.run('CLIENT', 'ID'))).to.equal(c.session.id)
      expect(plain(d.run('client', 'id'))).to.equal(d.session.id)
      expect(c.session.id).to.not.equal(d.session.id)
    })
  })

  describe('SETNAME / GETNAME', () => {
    it('starts without a name, sets one, and clears it with an empty name', () => {
      const c = makeContext()
      expect(c.run('CLIENT', 'GETNAME')).to.deep.equal({ kind: 'null' })
      expect(plain(c.run('CLIENT', 'SETNAME', 'worker:1'))).to.deep.equal(OK)
      expect(plain(c.run('CLIENT', 'GETNAME'))).to.equal('worker:1')
      expect(plain(c.run('CLIENT', 'SETNAME', ''))).to.deep.equal(OK)
      expect(c.run('CLIENT', 'GETNAME')).to.deep.equal({ kind: 'null' })
    })

    it('refuses spaces, control characters and non-ASCII bytes', () => {
      const c = makeContext()
      c.run('CLIENT', 'SETNAME', 'kept')
      for (const bad of ['a b', 'a\nb', 'tab\there', 'é', '\x7f', '\x00']) {
        expect(plain(c.run('CLIENT', 'SETNAME', bad))).to.deep.equal(INVALID_NAME)
      }
      expect(plain(c.run('CLIENT', 'GETNAME'))).to.equal('kept')
      expect(plain(c.run('CLIENT', 'SETNAME', '!~'))).to.deep.equal(OK)
    })

    it('checks arity per subcommand', () => {
      const c = makeContext()
      expect(plain(c.run('CLIENT', 'SETNAME'))).to.deep.equal({
        error: "ERR wrong number of arguments for 'client|setname' command",
      })
      expect(plain(c.run('CLIENT', 'GETNAME', 'x'))).to.deep.equal({
        error: "ERR wrong number of arguments for 'client|getname' command",
      })
    })
  })

  describe('INFO', () => {
    it('describes the calling connection in the CLIENT LIST format', () => {
      const c = makeContext()
      c.run('SELECT', '2')
      c.run('CLIENT', 'SETNAME', 'me')
      c.run('CLIENT', 'SETINFO', 'LIB-NAME', 'redis-py')
      c.run('CLIENT', 'SETINFO', 'lib-ver', '5.0.1')
      c.client.pendingOutputBytes = 42
      c.server.time = START + 7_500
      const [line] = lines(plain(c.run('CLIENT', 'INFO')))
      expect(fields(line!)).to.deep.include({
        id: String(c.session.id),
        addr: c.session.addr,
        laddr: '127.0.0.1:6379',
        name: 'me',
        age: '7',
        idle: '0',
        flags: 'N',
        db: '2',
        multi: '-1',
        omem: '42',
        events: 'r',
        cmd: 'client|info',
        user: 'default',
        resp: '2',
        'lib-name': 'redis-py',
        'lib-ver': '5.0.1',
      })
    })

    it('is a bulk string in RESP2 and a verbatim string in RESP3', () => {
      const c = makeContext()
      const reply = c.run('CLIENT', 'INFO')
      expect(encode(reply, 2)).to.match(/^\$\d+\r\nid=/)
      expect(encode(reply, 3)).to.match(/^=\d+\r\ntxt:id=/)
    })
  })

  describe('LIST', () => {
    it('lists every connection, one line each', () => {
      const c = makeContext()
      const d = c.connect()
      d.run('CLIENT', 'SETNAME', 'other')
      c.server.time += 3000
      const all = lines(plain(c.run('CLIENT', 'LIST'))).map(fields)
      expect(all.map((f) => f.id)).to.deep.equal([String(c.session.id), String(d.session.id)])
      expect(all[1]).to.deep.include({ name: 'other', cmd: 'client|setname', idle: '3', age: '3' })
      expect(all[0]).to.deep.include({ cmd: 'client|list', idle: '0' })
    })

    it('filters by TYPE', () => {
      const c = makeContext()
      c.connect()
      expect(lines(plain(c.run('CLIENT', 'LIST', 'TYPE', 'normal')))).to.have.length(2)
      for (const t of ['pubsub', 'MASTER', 'replica', 'slave']) {
        expect(plain(c.run('CLIENT', 'LIST', 'TYPE', t))).to.equal('')
      }
      expect(plain(c.run('CLIENT', 'LIST', 'TYPE', 'bogus'))).to.deep.equal({ error: "ERR Unknown client type 'bogus'" })
    })

    it('filters by ID, in the order given, skipping unknown ids', () => {
      const c = makeContext()
      const d = c.connect()
      const ids = lines(plain(c.run('CLIENT', 'LIST', 'ID', String(d.session.id), '999', String(c.session.id))))
        .map(fields)
        .map((f) => f.id)
      expect(ids).to.deep.equal([String(d.session.id), String(c.session.id)])
      expect(plain(c.run('CLIENT', 'LIST', 'ID', '1', 'x'))).to.deep.equal({ error: 'ERR Invalid client ID' })
      expect(plain(c.run('CLIENT', 'LIST', 'ID', '1', 'TYPE', 'normal'))).to.deep.equal({ error: 'ERR Invalid client ID' })
    })

    it('rejects anything else with a syntax error', () => {
      const c = makeContext()
      for (const args of [['TYPE'], ['ID'], ['foo'], ['TYPE', 'normal', 'ID', '1']]) {
        expect(plain(c.run('CLIENT', 'LIST', ...args))).to.deep.equal({ error: 'ERR syntax error' })
      }
    })
  })

  describe('KILL', () => {
    it('kills another connection by address (old form), answering OK', () => {
      const c = makeContext()
      const d = c.connect()
      expect(plain(c.run('CLIENT', 'KILL', d.session.addr))).to.deep.equal(OK)
      expect(d.client.killed).to.equal(true)
      expect(c.session.closeAfterReply).to.equal(false)
      expect(plain(c.run('CLIENT', 'KILL', d.session.addr))).to.deep.equal({ error: 'ERR No such client' })
    })

    it('lets the old form kill the caller, after its reply', () => {
      const c = makeContext()
      expect(plain(c.run('CLIENT', 'KILL', c.session.addr))).to.deep.equal(OK)
      expect(c.session.closeAfterReply).to.equal(true)
      expect(c.client.killed).to.equal(false)
    })

    it('counts the connections the filter form kills, skipping the caller by default', () => {
      const c = makeContext()
      const d = c.connect()
      const e = c.connect()
      expect(plain(c.run('CLIENT', 'KILL', 'ID', String(d.session.id)))).to.equal(1)
      expect(d.client.killed).to.equal(true)
      expect(plain(c.run('CLIENT', 'KILL', 'ID', '999'))).to.equal(0)
      expect(plain(c.run('CLIENT', 'KILL', 'LADDR', '127.0.0.1:6379'))).to.equal(1)
      expect(e.client.killed).to.equal(true)
      expect(c.session.closeAfterReply).to.equal(false)
      expect(plain(c.run('CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no'))).to.equal(1)
      expect(c.session.closeAfterReply).to.equal(true)
    })

    it('requires every filter to match', () => {
      const c = makeContext()
      const d = c.connect()
      expect(plain(c.run('CLIENT', 'KILL', 'ID', String(d.session.id), 'ADDR', '1.2.3.4:5'))).to.equal(0)
      expect(plain(c.run('CLIENT', 'KILL', 'TYPE', 'pubsub'))).to.equal(0)
      expect(d.client.killed).to.equal(false)
      expect(plain(c.run('CLIENT', 'KILL', 'TYPE', 'normal', 'ADDR', d.session.addr))).to.equal(1)
    })

    it('validates filters as Redis does', () => {
      const c = makeContext()
      const cases: [string[], string][] = [
        [['ID', 'abc'], 'ERR client-id should be greater than 0'],
        [['ID', '0'], 'ERR client-id should be greater than 0'],
        [['ID', '-5'], 'ERR client-id should be greater than 0'],
        [['TYPE', 'bogus'], "ERR Unknown client type 'bogus'"],
        [['USER', 'nouser'], "ERR No such user 'nouser'"],
        [['SKIPME', 'maybe'], 'ERR syntax error'],
        [['BOGUS', '1'], 'ERR syntax error'],
        [['ID', '1', 'ADDR'], 'ERR syntax error'],
      ]
      for (const [args, text] of cases) expect(plain(c.run('CLIENT', 'KILL', ...args))).to.deep.equal({ error: text })
      expect(plain(c.run('CLIENT', 'KILL'))).to.deep.equal({
        error: "ERR wrong number of arguments for 'client|kill' command",
      })
    })
  })

  describe('SETINFO', () => {
    it('stores library name and version; an empty value clears', () => {
      const c = makeContext()
      expect(plain(c.run('CLIENT', 'SETINFO', 'LIB-NAME', 'node-redis'))).to.deep.equal(OK)
      expect(plain(c.run('CLIENT', 'SETINFO', 'lib-ver', '5.9.0'))).to.deep.equal(OK)
      expect(c.session.libName).to.equal('node-redis')
      expect(c.session.libVer).to.equal('5.9.0')
      c.run('CLIENT', 'SETINFO', 'LIB-VER', '')
      expect(c.session.libVer).to.equal('')
    })

    it('validates as Redis 7.2, echoing the attribute as given', () => {
      const c = makeContext()
      expect(plain(c.run('CLIENT', 'SETINFO', 'LIB-NAME', 'a b'))).to.deep.equal({
        error: 'ERR LIB-NAME cannot contain spaces, newlines or special characters.',
      })
      expect(plain(c.run('CLIENT', 'SETINFO', 'lib-ver', '1\n'))).to.deep.equal({
        error: 'ERR lib-ver cannot contain spaces, newlines or special characters.',
      })
      expect(plain(c.run('CLIENT', 'SETINFO', 'lib-foo', 'x'))).to.deep.equal({
        error: "ERR Unrecognized option 'lib-foo'",
      })
      expect(plain(c.run('CLIENT', 'SETINFO', 'lib-name'))).to.deep.equal({
        error: "ERR wrong number of arguments for 'client|setinfo' command",
      })
      expect(c.session.libName).to.equal('')
    })
  })

  describe('NO-EVICT / NO-TOUCH', () => {
    it('accept ON and OFF only', () => {
      const c = makeContext()
      for (const sub of ['NO-EVICT', 'no-touch']) {
        expect(plain(c.run('CLIENT', sub, 'on'))).to.deep.equal(OK)
        expect(plain(c.run('CLIENT', sub, 'OFF'))).to.deep.equal(OK)
        expect(plain(c.run('CLIENT', sub, 'maybe'))).to.deep.equal({ error: 'ERR syntax error' })
      }
    })
  })

  describe('HELP', () => {
    it('answers status lines framed as Redis frames them', () => {
      const help = plain(makeContext().run('CLIENT', 'HELP')) as { simple: string }[]
      expect(help[0]).to.deep.equal({ simple: 'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:' })
      expect(help.slice(-2)).to.deep.equal([{ simple: 'HELP' }, { simple: '    Prints this help.' }])
      const text = help.map((h) => h.simple).join('\n')
      for (const sub of ['GETNAME', 'ID', 'INFO', 'KILL', 'LIST', 'SETNAME', 'SETINFO', 'NO-EVICT', 'NO-TOUCH']) {
        expect(text).to.match(new RegExp(`^${sub}\\b`, 'm'))
      }
    })
  })
})
