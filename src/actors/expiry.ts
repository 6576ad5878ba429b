// The active expiry actor: Redis's serverCron expiry cycle. Every 1000/hz ms it lets each
// database reclaim keys whose TTL passed, within a CPU budget (25% of the period, times
// active-expire-effort), so memory held by expired keys nobody reads is returned.

import * as Effect from 'effect/Effect'
import * as Scope from 'effect/Scope'
import type { ServerRuntime } from './server.js'
import { tenantOfKeyspace } from '../storage/store-keys.js'

/** Share of each period the cycle may spend, as Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC. */
const TIME_SHARE = 0.25

export const expireOnce = (runtime: ServerRuntime): number => {
  runtime.tick()
  // DEBUG SET-ACTIVE-EXPIRE 0: expired keys stay (DBSIZE counts them) until a command touches them.
  if (!runtime.activeExpire) return 0
  const period = 1000 / runtime.config.number('hz')
  const effort = runtime.config.number('active-expire-effort')
  const deadline = performance.now() + Math.min(period, period * TIME_SHARE * (1 + (effort - 1) / 4))
  let removed = 0
  const pause = runtime.clientPause
  for (const db of runtime.keyspaces.all) {
    // A write pause stops active expiry too, as in Redis: the dataset must not change under it.
    if (pause.active && pause.pausesWrites(runtime.tenants.idOf(tenantOfKeyspace(db.space)) ?? '')) continue
    if (db.volatileCount > 0) removed += db.expireCycle(deadline)
    if (performance.now() >= deadline) break
  }
  // The reclaims are logged (as DELs); outside any connection's read, nothing else seals them.
  if (removed > 0) runtime.gate.mark()
  return removed
}

/** Forks the cycle into the current scope; it stops when the scope closes. */
export const runExpiryActor = (runtime: ServerRuntime): Effect.Effect<void, never, Scope.Scope> =>
  Effect.sync(() => expireOnce(runtime)).pipe(
    Effect.zipRight(Effect.suspend(() => Effect.sleep(1000 / runtime.config.number('hz')))),
    Effect.forever,
    Effect.forkScoped,
    Effect.asVoid,
  )
