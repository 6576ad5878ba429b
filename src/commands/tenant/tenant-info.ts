// TENANT INFO id
import { bulk, integer, record, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { noSuchTenant } from './tenant-options.js'

export const tenantInfo: CommandSpec = {
  name: 'tenant|info',
  arity: 3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: "A tenant's usage and settings: keys, bytes, ops/s, connections, quotas, durability, tier placement",
  since: '7.0.0',
  complexity: 'O(D) where D is the number of databases',
  syntax: 'id',
  /** A map (a flat array in RESP2), like ACL GETUSER. Durability `default` follows appendfsync. */
  execute(ctx, argv): Reply {
    const tenants = ctx.server.tenants
    const tenant = tenants.get(argv[2]!.toString('latin1'))
    if (tenant === undefined) return noSuchTenant(argv[2]!)
    const usage = tenants.usage(tenant)
    const tiers = ctx.server.tenantTiers(tenant.num)
    return record({
      id: bulk(tenant.id),
      keys: integer(usage.keys),
      bytes: integer(usage.bytes),
      ops_per_sec: integer(usage.opsPerSec),
      connections: integer(usage.connections),
      maxkeys: integer(tenant.maxKeys),
      maxbytes: integer(tenant.maxBytes),
      durability: bulk(tenant.durability ?? 'default'),
      // Segments holding its keys, per tier (a segment may also hold a neighbour's keys).
      ssd_segments: integer(tiers.ssdSegments),
      ssd_bytes: integer(tiers.ssdBytes),
      hdd_segments: integer(tiers.hddSegments),
      hdd_bytes: integer(tiers.hddBytes),
    })
  },
}
