// INFO [section [section ...]]
import { machine, release, totalmem, type as osType } from 'node:os'
import { verbatim, type Reply } from '../../protocol/reply.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { visibleClients } from '../connection/session-info.js'
import { processMemory } from './process-memory.js'
import type { TrackingStats } from '../../actors/tracking.js'

type Section = (ctx: CommandContext) => string[]

/** Redis's bytesToHuman: `512B`, `1.28M`, … */
const human = (n: number): string => {
  const units = ['K', 'M', 'G', 'T', 'P']
  if (n < 1024) return `${n}B`
  let value = n / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(2)}${units[unit]}`
}

const MULTIPLEXING: Readonly<Record<string, string>> = { linux: 'epoll', darwin: 'kqueue', freebsd: 'kqueue', win32: 'iocp' }

const server: Section = (ctx) => {
  const s = ctx.server
  const now = s.now()
  const uptime = Math.floor((now - s.stats.startedAt) / 1000)
  const hz = s.config.get('hz') ?? '10'
  return [
    `redis_version:${s.version}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    'redis_build_id:0',
    'redis_mode:standalone',
    `os:${osType()} ${release()} ${machine()}`,
    `arch_bits:${process.arch.endsWith('64') ? 64 : 32}`,
    'monotonic_clock:POSIX clock_gettime',
    `multiplexing_api:${MULTIPLEXING[process.platform] ?? 'poll'}`,
    'atomicvar_api:c11-builtin',
    'gcc_version:0.0.0',
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${s.runId}`,
    `tcp_port:${s.port}`,
    `server_time_usec:${Math.floor(now * 1000)}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    `hz:${hz}`,
    `configured_hz:${hz}`,
    // Redis's LRU clock: seconds, 24 bits.
    `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
    `executable:${s.executablePath}`,
    `config_file:${s.configFile}`,
    'io_threads_active:0',
  ]
}

/** The tenant's tracking, or the whole server's for the admin (as connected_clients). */
const trackingStats = (ctx: CommandContext): TrackingStats => ctx.server.tracking.stats(ctx.session.admin ? undefined : ctx.session.tenant)

const clients: Section = (ctx) => [
  `connected_clients:${ctx.session.admin ? ctx.server.clients.size : visibleClients(ctx).length}`,
  'cluster_connections:0',
  `maxclients:${ctx.server.config.get('maxclients') ?? '10000'}`,
  'client_recent_max_input_buffer:0',
  'client_recent_max_output_buffer:0',
  'blocked_clients:0',
  `tracking_clients:${trackingStats(ctx).clients}`,
  'clients_in_timeout_table:0',
]

/** Node's heap and off-heap buffers stand in for Redis's allocator statistics (process-memory.ts). */
const memory: Section = (ctx) => {
  const m = processMemory()
  const { used, peak: memoryPeak } = m
  const maxmemory = Number(ctx.server.config.get('maxmemory') ?? 0)
  const total = totalmem()
  const st = ctx.server.storage()
  return [
    `used_memory:${used}`,
    `used_memory_human:${human(used)}`,
    `used_memory_rss:${m.rss}`,
    `used_memory_rss_human:${human(m.rss)}`,
    `used_memory_peak:${memoryPeak}`,
    `used_memory_peak_human:${human(memoryPeak)}`,
    `used_memory_peak_perc:${((used / memoryPeak) * 100).toFixed(2)}%`,
    `used_memory_dataset:${st.residentBytes + st.storeMemoryBytes}`,
    `total_system_memory:${total}`,
    `total_system_memory_human:${human(total)}`,
    `maxmemory:${maxmemory}`,
    `maxmemory_human:${human(maxmemory)}`,
    `maxmemory_policy:${ctx.server.config.get('maxmemory-policy') ?? 'noeviction'}`,
    `mem_fragmentation_ratio:${(m.rss / used).toFixed(2)}`,
    'mem_allocator:libc',
    'lazyfree_pending_objects:0',
    'lazyfreed_objects:0',
    // Where the process's memory is, as Node sees it (the heap's size includes garbage).
    `wtr_heap_used_bytes:${m.heapUsed}`,
    `wtr_heap_total_bytes:${m.heapTotal}`,
    `wtr_external_bytes:${m.external}`,
    // The parts maxmemory bounds (docs/storage.md, "Memory budget").
    `wtr_resident_records_bytes:${st.residentBytes}`,
    `wtr_store_memory_bytes:${st.storeMemoryBytes}`,
    `wtr_memory_overhead_bytes:${st.memoryOverheadBytes}`,
    `wtr_data_budget_bytes:${st.dataBudgetBytes}`,
    `wtr_resident_keys:${st.residentKeys}`,
    `wtr_disk_only_keys:${st.diskOnlyKeys}`,
    // Redis's evicted_keys counts keys lost to eviction, which never happens here (it stays 0).
    `wtr_evicted_to_disk_keys:${st.evictedToDisk}`,
    `wtr_write_stalls:${st.writeStalls}`,
    `wtr_write_stall_ms:${Math.round(st.writeStallMs)}`,
    `wtr_disk_reads:${st.diskReads}`,
  ]
}

const persistence: Section = (ctx) => {
  const p = ctx.server.persistence()
  const st = ctx.server.storage()
  const now = ctx.server.now()
  const status = (ok: boolean): string => (ok ? 'ok' : 'err')
  const lines = [
    'loading:0',
    'async_loading:0',
    `rdb_changes_since_last_save:${p.changesSinceLastSave}`,
    `rdb_bgsave_in_progress:${p.checkpointInProgress ? 1 : 0}`,
    `rdb_last_save_time:${Math.floor(p.lastSaveTime / 1000)}`,
    `rdb_last_bgsave_status:${status(p.lastCheckpointOk)}`,
    `rdb_last_bgsave_time_sec:${p.lastCheckpointDurationSec}`,
    `rdb_current_bgsave_time_sec:${p.checkpointInProgress ? Math.round((now - p.checkpointStartedAt) / 1000) : -1}`,
    `aof_enabled:${p.enabled ? 1 : 0}`,
    'aof_rewrite_in_progress:0',
    'aof_rewrite_scheduled:0',
    'aof_last_rewrite_time_sec:-1',
    'aof_current_rewrite_time_sec:-1',
    'aof_last_bgrewrite_status:ok',
    `aof_last_write_status:${status(p.lastWriteOk)}`,
  ]
  if (!p.enabled) return lines
  // Redis's AOF fields where they carry over; the wal_ fields are this server's own.
  const mean = (n: number): string => (p.batches === 0 ? '0.00' : (n / p.batches).toFixed(2))
  return lines.concat([
    `aof_current_size:${p.walBytesSinceCheckpoint}`,
    'aof_buffer_length:0',
    `aof_delayed_fsync:0`,
    `wal_last_lsn:${p.walLastLsn}`,
    `wal_synced_lsn:${p.walSyncedLsn}`,
    `wal_group_commits:${p.batches}`,
    `wal_group_commit_failures:${p.failedBatches}`,
    `wal_backlog_bytes:${p.backlogBytes}`,
    `wal_backlog_pauses:${p.backlogPauses}`,
    `wal_batched_writes:${p.batchedWrites}`,
    `wal_mean_batch_writes:${mean(p.batchedWrites)}`,
    `wal_mean_batch_bytes:${mean(p.bytes)}`,
    `wal_fsync_p50_usec:${p.fsyncP50Us}`,
    `wal_fsync_p99_usec:${p.fsyncP99Us}`,
    `wal_segments:${p.walSegments}`,
    `wal_free_segments:${p.walFreeSegments}`,
    `wal_bytes_since_checkpoint:${p.walBytesSinceCheckpoint}`,
    `wal_ops_since_checkpoint:${p.walOpsSinceCheckpoint}`,
    `store_segments:${st.segments}`,
    `store_segment_bytes:${st.segmentBytes}`,
    `store_dirty_keys:${st.dirtyKeys}`,
    `store_flushes:${st.flushes}`,
    `store_compactions:${st.compactions}`,
    `store_compacted_bytes:${st.compactedBytes}`,
    `store_compaction_in_progress:${st.compactionInProgress ? 1 : 0}`,
  ])
}

const stats: Section = (ctx) => {
  const st = ctx.server.stats
  // The tenant's own channels and patterns, as the rest of INFO shows its own part of the server.
  const pubsub = ctx.server.pubsub.namespace(ctx.session.tenant.id)
  const tracking = trackingStats(ctx)
  return [
    `total_connections_received:${st.totalConnectionsReceived}`,
    `total_commands_processed:${st.totalCommandsProcessed}`,
    'instantaneous_ops_per_sec:0',
    `total_net_input_bytes:${st.totalNetInputBytes}`,
    `total_net_output_bytes:${st.totalNetOutputBytes}`,
    'instantaneous_input_kbps:0.00',
    'instantaneous_output_kbps:0.00',
    `rejected_connections:${st.rejectedConnections}`,
    'sync_full:0',
    'sync_partial_ok:0',
    'sync_partial_err:0',
    `expired_keys:${st.expiredKeys}`,
    'expired_stale_perc:0.00',
    'expired_time_cap_reached_count:0',
    'evicted_keys:0',
    'evicted_clients:0',
    `keyspace_hits:${st.hits}`,
    `keyspace_misses:${st.misses}`,
    `pubsub_channels:${pubsub?.channels.size ?? 0}`,
    `pubsub_patterns:${pubsub?.patterns.size ?? 0}`,
    'latest_fork_usec:0',
    'total_forks:0',
    'migrate_cached_sockets:0',
    `tracking_total_keys:${tracking.keys}`,
    `tracking_total_items:${tracking.items}`,
    `tracking_total_prefixes:${tracking.prefixes}`,
    'unexpected_error_replies:0',
    `total_error_replies:${st.totalErrorReplies}`,
  ]
}

const replication: Section = (ctx) => [
  'role:master',
  'connected_slaves:0',
  'master_failover_state:no-failover',
  // A replication id is 40 hex characters, like the run id.
  `master_replid:${ctx.server.runId}`,
  'master_replid2:0000000000000000000000000000000000000000',
  'master_repl_offset:0',
  'second_repl_offset:-1',
  'repl_backlog_active:0',
  'repl_backlog_size:1048576',
  'repl_backlog_first_byte_offset:0',
  'repl_backlog_histlen:0',
]

const cpu: Section = () => {
  const u = process.cpuUsage()
  const sys = (u.system / 1e6).toFixed(6)
  const user = (u.user / 1e6).toFixed(6)
  return [
    `used_cpu_sys:${sys}`,
    `used_cpu_user:${user}`,
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.000000',
    `used_cpu_sys_main_thread:${sys}`,
    `used_cpu_user_main_thread:${user}`,
  ]
}

const commandstats: Section = (ctx) => {
  const lines: string[] = []
  for (const [name, c] of ctx.server.stats.commands) {
    if (c.calls === 0 && c.failedCalls === 0 && c.rejectedCalls === 0) continue
    const usec = Math.floor(c.usec)
    const perCall = c.calls === 0 ? 0 : usec / c.calls
    lines.push(
      `cmdstat_${name}:calls=${c.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${c.rejectedCalls},failed_calls=${c.failedCalls}`,
    )
  }
  return lines
}

const errorstats: Section = (ctx) =>
  [...ctx.server.stats.errors].map(([code, count]) => `errorstat_${code}:count=${count}`)

/** This server's own section: segments and bytes per storage tier, and what the tiering actor did. */
export const tieringLines = (ctx: CommandContext): string[] => {
  const t = ctx.server.tieringStatus()
  return [
    `tier_enabled:${t.enabled ? 1 : 0}`,
    `tier_ssd_segments:${t.ssdSegments}`,
    `tier_ssd_bytes:${t.ssdBytes}`,
    `tier_hdd_segments:${t.hddSegments}`,
    `tier_hdd_bytes:${t.hddBytes}`,
    `tier_migrations:${t.demotions}`,
    `tier_promotions:${t.promotions}`,
    `tier_bytes_moved:${t.bytesMoved}`,
    `tier_move_time_ms:${Math.round(t.moveMs)}`,
    `tier_passes:${t.passes}`,
    `tier_pass_in_progress:${t.inProgress ? 1 : 0}`,
    `tier_last_run:${Math.floor(t.lastRunAt / 1000)}`,
    `tier_errors:${t.errors}`,
    `tier_last_error:${t.lastError.replace(/[\r\n]+/g, ' ')}`,
  ]
}

const keyspace: Section = (ctx) => {
  const lines: string[] = []
  ctx.session.tenant.databases.forEach((db, i) => {
    // avg_ttl would need a pass over the keys with a TTL; Redis only samples it, 0 is its default.
    if (db.size > 0) lines.push(`db${i}:keys=${db.size},expires=${db.volatileCount},avg_ttl=0`)
  })
  return lines
}

/** Every section in Redis's output order, with its header. */
const SECTIONS: readonly (readonly [name: string, header: string, lines: Section, inDefault: boolean])[] = [
  ['server', 'Server', server, true],
  ['clients', 'Clients', clients, true],
  ['memory', 'Memory', memory, true],
  ['persistence', 'Persistence', persistence, true],
  ['stats', 'Stats', stats, true],
  ['replication', 'Replication', replication, true],
  ['cpu', 'CPU', cpu, true],
  ['modules', 'Modules', () => [], true],
  ['commandstats', 'Commandstats', commandstats, false],
  ['errorstats', 'Errorstats', errorstats, true],
  ['cluster', 'Cluster', () => ['cluster_enabled:0'], true],
  ['keyspace', 'Keyspace', keyspace, true],
  ['tiering', 'Tiering', tieringLines, false],
]

/** The INFO text for the requested section names (lowercase); unknown names are ignored. */
export const infoText = (ctx: CommandContext, requested: readonly string[]): string => {
  const all = requested.includes('all') || requested.includes('everything')
  const defaults = requested.length === 0 || requested.includes('default')
  const parts: string[] = []
  for (const [name, header, lines, inDefault] of SECTIONS) {
    if (!(all || (defaults && inDefault) || requested.includes(name))) continue
    let text = `# ${header}\r\n`
    for (const line of lines(ctx)) text += line + '\r\n'
    parts.push(text)
  }
  return parts.join('\r\n')
}

export const info: CommandSpec = {
  name: 'info',
  arity: -1,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Get information and statistics about the server',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: '[section [section ...]]',
  /** Text in `field:value` lines with CRLF endings: a bulk string in RESP2, verbatim in RESP3. */
  execute(ctx, argv): Reply {
    const requested = argv.slice(1).map((a) => a.toString('latin1').toLowerCase())
    return verbatim(infoText(ctx, requested))
  },
}
