// Tiering policy: a pure function from the manifest snapshot, each segment's access statistics and
// the clock to the segments that change tier. The tiering actor gathers the inputs and carries the
// moves out (copy, sync, switch the manifest, delete the source); docs/tiering.md has the model.
//
// A pass decides in this order:
//
// 1. Demotion for coldness. A segment is cold when now - lastAccessAt >= coldAfterMs; one without
//    an access entry counts as accessed `now`, so it is not cold. A segment lying wholly inside one
//    tenant's key range (tenantRange(t) <= firstKey and lastKey < tenantRange(t + 1)) moves with its
//    tenant: once every segment of that tenant, on either tier, is cold, all its SSD segments are
//    demoted in the same plan; while any of them is hot (being read, or freshly written), none is.
//    A segment spanning several tenants, or lying before the first, is judged alone.
// 2. The SSD cap (ssdMaxBytes > 0). While the SSD bytes left after step 1 exceed the cap, the
//    coldest remaining SSD segments are demoted, cold or not, tenant or not: lowest heat first, then
//    the oldest lastAccessAt, then the lowest id. A segment still settling (see hysteresis) is taken
//    only once no other SSD segment is left, so the cap always holds after a pass.
// 3. Promotion. An HDD segment whose heat >= promoteHeat and which is not cold moves back to SSD,
//    hottest first (then the latest lastAccessAt, then the lowest id), while the SSD bytes stay
//    within the cap (no limit with a cap of 0). One that does not fit is skipped, so a smaller,
//    cooler one may still take the room left. Only HDD segments are promoted and only SSD ones
//    demoted, so nothing demoted in a plan comes back in the same plan.
//
// Hysteresis. A segment whose movedAt is within minResidencyMs of now (movedAt 0: never moved) is
// settling: it moves neither for coldness nor for heat, and a tenant with a settling SSD segment
// waits for it, so the tenant still leaves as a unit. Only the cap may take a settling segment, and
// only as the last resort. A promotion therefore always follows the segment's previous move by at
// least minResidencyMs, which bounds how often any segment changes tier.
//
// Sustained reads. The store halves each segment's heat at every pass and then adds the reads since
// the last one (tiering-types.ts), so reads at a steady r per pass settle near 2r, and a burst of b
// reads in one interval is worth b, then b / 2, b / 4 ... Promotion thus needs about promoteHeat / 2
// reads per pass kept up over several passes; a single burst promotes only if it alone reaches
// promoteHeat.
//
// The plan is deterministic (same input, same output, whatever the access map's order): demotions
// first by id, then promotions in the order they were chosen. Each move says why in its reason.

import type { SegmentInfo } from './manifest.js'
import { tenantRange } from './store-keys.js'
import type { SegmentAccess, TierMove, TieringConfig, TieringInput } from './tiering-types.js'

/** What the policy knows about one segment during a pass. */
interface Judged {
  readonly segment: SegmentInfo
  readonly heat: number
  readonly lastAccessAt: number
  /** ms since the last access. */
  readonly idleMs: number
  readonly cold: boolean
  /** Moved less than minResidencyMs ago: stays put unless the cap has nothing else to take. */
  readonly settling: boolean
  /** The tenant whose key range holds the whole segment, or undefined. */
  readonly tenant: number | undefined
}

/**
 * The tenant number whose key range holds `key`, or -1 for a key before tenant 0's range. Tenant
 * numbers are the high half of the u32 keyspace number that leads every store key. Unlike a plain
 * read of that half, this is exact for any key a segment bound may hold: one shorter than four
 * bytes that is a prefix of tenantRange(t) sorts before it, so belongs to t - 1.
 */
function tenantHoldingKey(key: Buffer): number {
  const padded = key.length >= 2 ? key.readUInt16BE(0) : key.length === 1 ? key[0]! << 8 : 0
  return Buffer.compare(key, tenantRange(padded)) < 0 ? padded - 1 : padded
}

/** The tenant whose key range holds all of `segment`, or undefined if it spans several (or none). */
export function segmentTenant(segment: SegmentInfo): number | undefined {
  const first = tenantHoldingKey(segment.firstKey)
  return first >= 0 && first === tenantHoldingKey(segment.lastKey) ? first : undefined
}

function checkConfig(config: TieringConfig): void {
  if (!(config.coldAfterMs > 0)) throw new RangeError(`coldAfterMs must be positive`)
  if (!(config.ssdMaxBytes >= 0) || !Number.isFinite(config.ssdMaxBytes)) {
    throw new RangeError(`ssdMaxBytes must be a non-negative number (0: no cap)`)
  }
  if (!(config.promoteHeat > 0)) throw new RangeError(`promoteHeat must be positive`)
  if (!(config.minResidencyMs >= 0)) throw new RangeError(`minResidencyMs must be non-negative`)
}

/** A duration for a reason: whole seconds from ten seconds up or when exact, else ms. */
function duration(ms: number): string {
  return ms >= 10_000 || ms % 1000 === 0 ? `${Math.round(ms / 1000)} s` : `${ms} ms`
}

const heatText = (heat: number): string => String(Math.round(heat * 100) / 100)

/** Coldest first: the order the cap takes SSD segments in. Settling ones come last. */
function coldestFirst(a: Judged, b: Judged): number {
  return (
    Number(a.settling) - Number(b.settling) ||
    a.heat - b.heat ||
    a.lastAccessAt - b.lastAccessAt ||
    a.segment.id - b.segment.id
  )
}

/** Hottest first: the order promotions are considered in. */
function hottestFirst(a: Judged, b: Judged): number {
  return b.heat - a.heat || b.lastAccessAt - a.lastAccessAt || a.segment.id - b.segment.id
}

/** The tier moves for one pass (see the rules above). */
export function planTiering(input: TieringInput): TierMove[] {
  const { snapshot, now, config } = input
  checkConfig(config)

  const judged: Judged[] = snapshot.segments.map((segment) => {
    const access: SegmentAccess = input.access.get(segment.id) ?? { heat: 0, lastAccessAt: now, movedAt: 0 }
    const idleMs = now - access.lastAccessAt
    return {
      segment,
      heat: access.heat,
      lastAccessAt: access.lastAccessAt,
      idleMs,
      cold: idleMs >= config.coldAfterMs,
      settling: access.movedAt !== 0 && now - access.movedAt < config.minResidencyMs,
      tenant: segmentTenant(segment),
    }
  })

  const demotions = new Map<number, string>()

  // 1. Coldness, tenant by tenant.
  const byTenant = new Map<number, Judged[]>()
  for (const j of judged) {
    if (j.tenant === undefined) continue
    const members = byTenant.get(j.tenant)
    if (members === undefined) byTenant.set(j.tenant, [j])
    else members.push(j)
  }
  for (const [tenant, members] of byTenant) {
    const onSsd = members.filter((j) => j.segment.tier === 'ssd')
    if (onSsd.length === 0 || !members.every((j) => j.cold) || onSsd.some((j) => j.settling)) continue
    const idleMs = members.reduce((n, j) => Math.min(n, j.idleMs), Infinity)
    for (const j of onSsd) demotions.set(j.segment.id, `cold for ${duration(j.idleMs)}; tenant ${tenant} idle for ${duration(idleMs)}`)
  }
  for (const j of judged) {
    if (j.tenant !== undefined || j.segment.tier !== 'ssd' || !j.cold || j.settling) continue
    demotions.set(j.segment.id, `cold for ${duration(j.idleMs)} (not within one tenant)`)
  }

  // 2. The SSD cap.
  const stayOnSsd = judged.filter((j) => j.segment.tier === 'ssd' && !demotions.has(j.segment.id))
  let ssdBytes = stayOnSsd.reduce((n, j) => n + j.segment.bytes, 0)
  if (config.ssdMaxBytes > 0 && ssdBytes > config.ssdMaxBytes) {
    for (const j of stayOnSsd.sort(coldestFirst)) {
      if (ssdBytes <= config.ssdMaxBytes) break
      demotions.set(
        j.segment.id,
        `SSD over its cap (${ssdBytes} of ${config.ssdMaxBytes} bytes); coldest left: heat ${heatText(j.heat)}, idle ${duration(j.idleMs)}`,
      )
      ssdBytes -= j.segment.bytes
    }
  }

  // 3. Promotion.
  const promotions: TierMove[] = []
  const candidates = judged.filter(
    (j) => j.segment.tier === 'hdd' && !j.cold && !j.settling && j.heat >= config.promoteHeat && !demotions.has(j.segment.id),
  )
  for (const j of candidates.sort(hottestFirst)) {
    if (config.ssdMaxBytes > 0 && ssdBytes + j.segment.bytes > config.ssdMaxBytes) continue
    ssdBytes += j.segment.bytes
    promotions.push({ id: j.segment.id, to: 'ssd', reason: `hot: heat ${heatText(j.heat)} (promote at ${config.promoteHeat})` })
  }

  const demoted: TierMove[] = [...demotions]
    .sort((a, b) => a[0] - b[0])
    .map(([id, reason]) => ({ id, to: 'hdd', reason }))
  return [...demoted, ...promotions]
}
