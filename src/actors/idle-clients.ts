// Closes clients idle for longer than `timeout` seconds (0 disables), as Redis's clientsCron
// does, so abandoned connections do not hold resources forever.

import * as Effect from 'effect/Effect'
import type * as Scope from 'effect/Scope'
import type { ServerRuntime } from './server.js'

export const closeIdleClients = (runtime: ServerRuntime, now: number): number => {
  const timeout = runtime.config.number('timeout')
  if (timeout <= 0) return 0
  let closed = 0
  for (const client of runtime.all()) {
    if (now - client.session.lastInteraction > timeout * 1000) {
      runtime.log.verbose(`Closing idle client id=${client.session.id} addr=${client.session.addr}`)
      client.kill()
      closed++
    }
  }
  return closed
}

/** Forks a once-a-second check into the current scope; it stops when the scope closes. */
export const runIdleClientsActor = (runtime: ServerRuntime): Effect.Effect<void, never, Scope.Scope> =>
  Effect.sync(() => closeIdleClients(runtime, Date.now())).pipe(
    Effect.zipRight(Effect.sleep(1000)),
    Effect.forever,
    Effect.forkScoped,
    Effect.asVoid,
  )
