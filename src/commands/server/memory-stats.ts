// MEMORY STATS
import { double, integer, map, simple, type Reply } from '../../protocol/reply.js'
import { RECORD_OVERHEAD } from '../../storage/memory-keyspace.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { processMemory, startupMemory } from './process-memory.js'

const field = (name: string, value: Reply): readonly [Reply, Reply] => [simple(name), value]

export const memoryStats: CommandSpec = {
  name: 'memory|stats',
  arity: 2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Show memory usage details',
  since: '4.0.0',
  complexity: 'O(1)',
  /**
   * Redis 7.0's fields in its order, from what this process has (process-memory.ts): the heap
   * and buffers stand in for the allocator, and the process's resident set for its resident
   * memory. The databases are the session's tenant's; a database's overhead is its resident
   * records' headers and table slots (expiry lives in the record: no second table). Keys only
   * on disk count in keys.count as DBSIZE counts them.
   */
  execute(ctx): Reply {
    const m = processMemory()
    const startup = Math.min(startupMemory(), m.used)
    const databases: (readonly [Reply, Reply])[] = []
    let keys = 0
    let overhead = startup
    ctx.session.tenant.databases.forEach((db, n) => {
      if (db.size === 0) return
      keys += db.size
      const main = db.residentCount * RECORD_OVERHEAD
      overhead += main
      databases.push(
        field(`db.${n}`, map([
          field('overhead.hashtable.main', integer(main)),
          field('overhead.hashtable.expires', integer(0)),
          field('overhead.hashtable.slot-to-keys', integer(0)),
        ])),
      )
    })
    const aofBuffer = ctx.server.persistence().backlogBytes
    overhead += aofBuffer
    const net = m.used - startup
    const dataset = Math.max(0, m.used - overhead)
    const active = m.heapTotal + m.external
    return map([
      field('peak.allocated', integer(m.peak)),
      field('total.allocated', integer(m.used)),
      field('startup.allocated', integer(startup)),
      field('replication.backlog', integer(0)),
      field('clients.slaves', integer(0)),
      field('clients.normal', integer(0)),
      field('cluster.links', integer(0)),
      field('aof.buffer', integer(aofBuffer)),
      field('lua.caches', integer(0)),
      field('functions.caches', integer(0)),
      ...databases,
      field('overhead.total', integer(overhead)),
      field('keys.count', integer(keys)),
      field('keys.bytes-per-key', integer(keys === 0 ? 0 : Math.floor(net / keys))),
      field('dataset.bytes', integer(dataset)),
      field('dataset.percentage', double(net <= 0 ? 0 : (dataset * 100) / net)),
      field('peak.percentage', double((m.used * 100) / m.peak)),
      field('allocator.allocated', integer(m.heapUsed + m.external)),
      field('allocator.active', integer(active)),
      field('allocator.resident', integer(m.rss)),
      field('allocator-fragmentation.ratio', double(active / (m.heapUsed + m.external))),
      field('allocator-fragmentation.bytes', integer(active - (m.heapUsed + m.external))),
      field('allocator-rss.ratio', double(m.rss / active)),
      field('allocator-rss.bytes', integer(m.rss - active)),
      field('rss-overhead.ratio', double(1)),
      field('rss-overhead.bytes', integer(0)),
      field('fragmentation', double(m.rss / m.used)),
      field('fragmentation.bytes', integer(m.rss - m.used)),
    ])
  },
}
