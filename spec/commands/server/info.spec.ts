import { expect } from 'chai'
import { START, encode, makeContext, plain } from '../../support/context.js'

const headers = (text: string): string[] => text.split('\r\n').filter((l) => l.startsWith('# '))
const field = (text: string, name: string): string | undefined =>
  text.split('\r\n').find((l) => l.startsWith(name + ':'))?.slice(name.length + 1)
const info = (c: ReturnType<typeof makeContext>, ...sections: string[]): string => {
  const reply = c.run('INFO', ...sections)
  expect(reply.kind).to.equal('verbatim')
  return plain(reply) as string
}

const DEFAULT = ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']

describe('INFO', () => {
  it('answers the default sections in Redis order with CRLF lines', () => {
    const text = info(makeContext())
    expect(headers(text)).to.deep.equal(DEFAULT.map((h) => `# ${h}`))
    expect(text.replace(/\r\n/g, '')).to.not.match(/[\r\n]/)
    // Sections are separated by one empty line; the text ends with the last line's CRLF.
    expect(text).to.contain('\r\n\r\n# Clients\r\n')
    expect(text.endsWith('\r\n')).to.equal(true)
    expect(text.endsWith('\r\n\r\n')).to.equal(false)
  })

  it('answers requested sections in Redis order, ignoring case and unknown names', () => {
    const c = makeContext()
    expect(headers(info(c, 'keyspace', 'SERVER'))).to.deep.equal(['# Server', '# Keyspace'])
    expect(headers(info(c, 'default'))).to.deep.equal(DEFAULT.map((h) => `# ${h}`))
    expect(info(c, 'bogus')).to.equal('')
    expect(headers(info(c, 'all'))).to.include('# Commandstats')
    expect(headers(info(c, 'everything'))).to.include('# Commandstats')
    expect(headers(info(c))).to.not.include('# Commandstats')
  })

  it('reports the server identity and uptime from the context', () => {
    const c = makeContext()
    c.server.time = START + 3 * 86_400_000 + 5000
    const text = info(c, 'server')
    expect(field(text, 'redis_version')).to.equal('7.0.15')
    expect(field(text, 'redis_mode')).to.equal('standalone')
    expect(field(text, 'run_id')).to.equal('a'.repeat(40))
    expect(field(text, 'tcp_port')).to.equal('6379')
    expect(field(text, 'uptime_in_seconds')).to.equal(String(3 * 86_400 + 5))
    expect(field(text, 'uptime_in_days')).to.equal('3')
    expect(field(text, 'process_id')).to.equal(String(process.pid))
    expect(field(text, 'hz')).to.equal('10')
    expect(field(text, 'server_time_usec')).to.equal(String(c.server.time * 1000))
  })

  it('reports clients and the replication role clients look for', () => {
    const c = makeContext()
    c.connect()
    expect(field(info(c, 'clients'), 'connected_clients')).to.equal('2')
    expect(field(info(c, 'clients'), 'maxclients')).to.equal('10000')
    const repl = info(c, 'replication')
    expect(field(repl, 'role')).to.equal('master')
    expect(field(repl, 'connected_slaves')).to.equal('0')
  })

  it('counts keyspace hits, misses and expired keys in stats', () => {
    const c = makeContext()
    c.run('SET', 'k', 'v')
    c.run('GET', 'k')
    c.run('GET', 'missing')
    const text = info(c, 'stats')
    expect(field(text, 'keyspace_hits')).to.equal('1')
    expect(field(text, 'keyspace_misses')).to.equal('1')
    expect(field(text, 'total_commands_processed')).to.equal(String(c.server.stats.totalCommandsProcessed))
  })

  it('lists only non-empty databases in keyspace, with keys and expires', () => {
    const c = makeContext()
    expect(info(c, 'keyspace')).to.equal('# Keyspace\r\n')
    c.run('SET', 'a', '1')
    c.run('SET', 'b', '2', 'EX', '100')
    c.run('SELECT', '3')
    c.run('SET', 'c', '3')
    expect(info(c, 'keyspace')).to.equal(
      '# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n',
    )
  })

  it('reports per-command calls and failures in commandstats and error codes in errorstats', () => {
    const c = makeContext()
    c.run('SET', 'k', 'v')
    c.run('INCR', 'k')
    c.run('GET')
    c.run('CLIENT', 'ID')
    const stats = info(c, 'commandstats')
    expect(stats).to.match(/^cmdstat_set:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0\r$/m)
    expect(stats).to.match(/^cmdstat_incr:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1\r$/m)
    expect(stats).to.match(/^cmdstat_get:calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0\r$/m)
    expect(stats).to.match(/^cmdstat_client\|id:calls=1,/m)
    expect(stats).to.not.match(/cmdstat_del:/)
    expect(info(c, 'errorstats')).to.equal('# Errorstats\r\nerrorstat_ERR:count=2\r\n')
  })

  it('is a bulk string in RESP2 and a verbatim txt string in RESP3', () => {
    const reply = makeContext().run('INFO', 'cluster')
    expect(encode(reply, 2)).to.equal('$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n')
    expect(encode(reply, 3)).to.equal('=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n')
  })
})
