// The server command: configuration → server scope → wait for SHUTDOWN or a signal → release.
// SIGINT/SIGTERM interrupt the main fiber (NodeRuntime), which runs the same release sequence.
// Loaded by main.ts once the V8 flags that must precede everything else are set.

import { runMain } from '@effect/platform-node/NodeRuntime'
import * as Cause from 'effect/Cause'
import * as Effect from 'effect/Effect'
import * as Exit from 'effect/Exit'
import { loadConfig } from './config/load.js'
import { startServer, VERSION } from './actors/server.js'

const args = process.argv.slice(2)

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
