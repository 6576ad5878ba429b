// The tiering actor: every tier-scan-interval seconds it closes a measuring period of the store's
// read counters (LsmStore.accessPass), asks the pure policy (storage/tiering-policy.ts) which
// segments should change tier, and moves them one at a time (LsmStore.moveSegment: copy, fsync,
// manifest switch, delete). Moves run on the thread pool and take turns with compaction, so
// reads and writes are served throughout. TIERING RUN asks for a pass at once.

import * as Effect from 'effect/Effect'
import type * as Scope from 'effect/Scope'
import type { LsmStore } from '../storage/lsm-store.js'
import type { RuntimeConfig } from '../config/store.js'
import type { Logger } from '../log.js'
import { describeError } from '../log.js'
import { planTiering } from '../storage/tiering-policy.js'
import type { TierMove, TieringConfig } from '../storage/tiering-types.js'

/** Bytes of segments moved together (one manifest edit, one directory sync). */
const MOVE_BATCH_BYTES = 64 * 1024 * 1024

export interface TieringPassResult {
  readonly moves: readonly TierMove[]
  /** Moves carried out (a segment compacted away meanwhile is skipped). */
  readonly moved: number
  readonly failed: number
}

export class Tiering {
  passes = 0
  /** ms since the epoch; 0 before the first pass. */
  lastRunAt = 0
  lastMoves: readonly TierMove[] = []
  private running: Promise<TieringPassResult> | undefined

  constructor(
    private readonly store: LsmStore,
    private readonly config: RuntimeConfig,
    private readonly log: Logger,
    /** Tenants that ran commands since the last pass: their ranges are in use. */
    private readonly activeTenants: () => ReadonlySet<number>,
  ) {}

  get inProgress(): boolean {
    return this.running !== undefined
  }

  policyConfig(): TieringConfig {
    const coldAfterMs = this.config.number('tier-cold-after') * 1000
    return {
      coldAfterMs,
      ssdMaxBytes: this.config.number('tier-ssd-max-bytes'),
      promoteHeat: this.config.number('tier-promote-heat'),
      minResidencyMs: coldAfterMs,
    }
  }

  /** One pass now, or the one already running. */
  run(): Promise<TieringPassResult> {
    if (this.running !== undefined) return this.running
    const running = this.pass().finally(() => {
      this.running = undefined
    })
    this.running = running
    return running
  }

  private async pass(): Promise<TieringPassResult> {
    const now = Date.now()
    const access = this.store.accessPass(now, this.activeTenants())
    const moves = planTiering({ snapshot: this.store.manifestSnapshot, access, now, config: this.policyConfig() })
    let moved = 0
    let failed = 0
    // Moves go in batches of about MOVE_BATCH_BYTES: one manifest edit and one directory sync per
    // batch, and compaction waits for one batch at most.
    for (let i = 0; i < moves.length; ) {
      const batch: TierMove[] = []
      let bytes = 0
      while (i < moves.length && (batch.length === 0 || bytes < MOVE_BATCH_BYTES)) {
        const move = moves[i++]!
        batch.push(move)
        bytes += this.store.segments.find((s) => s.id === move.id)?.bytes ?? 0
      }
      try {
        const done = await this.store.moveSegments(batch)
        moved += done.length
        for (const m of done) {
          const reason = batch.find((b) => b.id === m.id)?.reason ?? ''
          this.log.verbose(`Tiering: segment ${m.id} moved to ${m.to.toUpperCase()} (${reason})`)
        }
      } catch (e) {
        failed += batch.length
        const stats = this.store.tiering
        stats.errors++
        stats.lastError = describeError(e)
        this.log.warning(`Tiering: moving ${batch.length} segment(s) failed: ${stats.lastError}`)
      }
    }
    this.passes++
    this.lastRunAt = Date.now()
    this.lastMoves = moves
    return { moves, moved, failed }
  }
}

/** Forks the periodic pass into the current scope; it stops when the scope closes. */
export const runTieringActor = (tiering: Tiering, config: RuntimeConfig): Effect.Effect<void, never, Scope.Scope> =>
  Effect.suspend(() => Effect.sleep(config.number('tier-scan-interval') * 1000)).pipe(
    Effect.zipRight(Effect.promise(() => tiering.run().catch(() => undefined))),
    Effect.forever,
    Effect.forkScoped,
    Effect.asVoid,
  )
