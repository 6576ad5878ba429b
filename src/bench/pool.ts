// A set of connections opened together, each authenticated as its slot asks: one user for all,
// or tenants spread round-robin (connection i speaks for tenant t((i mod K) + 1)).

import { BenchConnection, type ConnectionOptions } from './connection.js'

export interface PoolOptions extends ConnectionOptions {
  readonly clients: number
  /** Spread connections over this many tenants: `AUTH t<n> <password>`. */
  readonly tenants?: number
  /** The global index of this pool's first connection, so pools in several threads share the spread. */
  readonly firstClient?: number
}

export interface ConnectionPool {
  readonly connections: readonly BenchConnection[]
  close(): void
}

/** The user a connection authenticates as, or undefined for plain `AUTH password` / no AUTH. */
export const tenantUser = (client: number, tenants: number | undefined): string | undefined =>
  tenants === undefined || tenants < 1 ? undefined : `t${(client % tenants) + 1}`

export const openPool = async (options: PoolOptions): Promise<ConnectionPool> => {
  const first = options.firstClient ?? 0
  const settled = await Promise.allSettled(
    Array.from({ length: options.clients }, (_, i) =>
      BenchConnection.open({ ...options, user: tenantUser(first + i, options.tenants) ?? options.user }),
    ),
  )
  const connections = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failure !== undefined) {
    for (const c of connections) c.close()
    throw failure.reason
  }
  return { connections, close: () => connections.forEach((c) => c.close()) }
}
