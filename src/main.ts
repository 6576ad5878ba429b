// The server command: configuration → server scope → wait for SHUTDOWN or a signal → release.
// SIGINT/SIGTERM interrupt the main fiber (NodeRuntime), which runs the same release sequence.

import { runMain } from '@effect/platform-node/NodeRuntime'
import * as Cause from 'effect/Cause'
import * as Effect from 'effect/Effect'
import * as Exit from 'effect/Exit'
import { setFlagsFromString } from 'node:v8'
import { loadConfig } from './config/load.js'
import { startServer, VERSION } from './actors/server.js'

const args = process.argv.slice(2)

// V8 learns per allocation site whether its objects outlive a young-generation collection, and
// then allocates them in the old generation directly. Here almost nothing a request allocates
// lives long (records sit in off-heap slabs), but sites shared by the rare long-lived objects
// and the many short-lived ones were being tenured: under reads from disk the old generation
// then filled with garbage in a quarter of a second, and each full collection paused the loop
// for 3-7 ms (docs/benchmarks.md). Set before the server allocates anything.
setFlagsFromString('--no-allocation-site-pretenuring')

if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(`we-trust-redis v=${VERSION}\n`)
  process.exit(0)
}
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    'Usage: we-trust-redis [/path/to/redis.conf] [--option value …]\n' +
      'Examples: we-trust-redis --port 6380 --dir ./data\n' +
      '          we-trust-redis /etc/we-trust-redis.conf --loglevel verbose\n',
  )
  process.exit(0)
}

const program = Effect.gen(function* () {
  const config = yield* loadConfig(args)
  const server = yield* startServer(config)
  yield* server.shutdownRequested
  server.log.warning('User requested shutdown...')
}).pipe(
  Effect.scoped,
  Effect.tapError((e) => Effect.sync(() => process.stderr.write(`*** FATAL: ${e.message}\n`))),
)

runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    const failed = Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)
    if (!failed) process.stdout.write(`${process.pid}:M Ready to exit, bye bye...\n`)
    onExit(failed ? 1 : 0)
    process.exit(failed ? 1 : 0)
  },
})
