// The young generation's size under maxmemory: V8 reads `--semi-space-growth-factor` whenever it
// grows the young generation, so the eviction actor's tick sets it from youngGrowthFactor (a pure
// policy, storage/eviction-policy.ts). The flag and its state are process-wide.
// Loading this module holds the growth until the first tick decides: main.ts loads it before the
// rest of the server, since parsing the server's modules alone took the young generation to
// 16 MB, and V8 shrinks it again only once allocation stops.

import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'
import { youngGrowthFactor } from '../storage/eviction-policy.js'

/**
 * Ticks between looks at the young generation's size while it may not grow (for a shrink, or a
 * new maxmemory). While it may, every tick looks: it grows by a doubling at a scavenge, and at a
 * start that reads keys back from disk it doubled several times within 100 ms.
 */
const CHECK_TICKS = 20
/** The factor last given to V8. */
let factorSet: 1 | 2 = 1
let ticksToCheck = 0
setFlagsFromString('--semi-space-growth-factor=1')

/** Keeps the young generation within its share of maxmemory (youngGrowthFactor); once a tick. */
export const fitYoungGeneration = (maxmemory: number): void => {
  if (--ticksToCheck > 0) return
  // Without a limit V8 chooses, and its size is not needed.
  const young = maxmemory > 0 ? getHeapSpaceStatistics().find((space) => space.space_name === 'new_space') : undefined
  const factor = youngGrowthFactor(maxmemory, young?.space_size ?? 0)
  ticksToCheck = maxmemory > 0 && factor === 2 ? 1 : CHECK_TICKS
  if (factor === factorSet) return
  setFlagsFromString(`--semi-space-growth-factor=${factor}`)
  factorSet = factor
}
