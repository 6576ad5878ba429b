// What the tiering policy (tiering-policy.ts, a pure function) decides from, and what it
// decides: the manifest snapshot, each segment's access statistics and the clock in, moves out.
// The tiering actor (actors/tiering.ts) gathers the inputs and carries the moves out.

import type { ManifestSnapshot, Tier } from './manifest.js'

/** Reads of one segment, as the store counts them on its read paths. */
export interface SegmentAccess {
  /**
   * Decaying read count: halved at every policy pass, then the reads since the last pass added
   * (so a segment read steadily settles near twice its reads per pass).
   */
  readonly heat: number
  /**
   * When the segment was last read, or written (created by a flush or a compaction, or moved),
   * in ms. A segment never read since it was written counts from then.
   */
  readonly lastAccessAt: number
  /** When the segment last changed tier (ms), or 0 if never: no segment moves twice within `minResidencyMs`. */
  readonly movedAt: number
}

export interface TieringConfig {
  /** A segment not read or written for this long is cold and moves to HDD. */
  readonly coldAfterMs: number
  /** When the SSD tier holds more than this, the coldest segments move first even if not cold (0: no cap). */
  readonly ssdMaxBytes: number
  /** An HDD segment whose heat reaches this is promoted back to SSD (sustained reads, not one). */
  readonly promoteHeat: number
  /** A segment that changed tier less than this long ago stays where it is (hysteresis). */
  readonly minResidencyMs: number
}

export interface TieringInput {
  readonly snapshot: ManifestSnapshot
  /** By segment id; a segment without an entry was never read and was written at `now` - 0. */
  readonly access: ReadonlyMap<number, SegmentAccess>
  readonly now: number
  readonly config: TieringConfig
}

export interface TierMove {
  readonly id: number
  readonly to: Tier
  /** Why, for the log and TIERING STATUS: e.g. "cold for 3600 s", "SSD over its cap", "hot: heat 12". */
  readonly reason: string
}
