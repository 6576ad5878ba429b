// CONFIG SET parameter value [parameter value ...]
import { OK, Errors, error, type Reply } from '../../protocol/reply.js'
import { cText, is } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const configSet: CommandSpec = {
  name: 'config|set',
  arity: -4,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Set configuration parameters to the given values',
  since: '2.0.0',
  complexity: 'O(N) when N is the number of configuration parameters provided',
  syntax: 'parameter value [parameter value ...]',
  /**
   * All or nothing, as in Redis 7: names are checked first (unknown, duplicate), then values are
   * applied in order, and if one is refused the ones already applied get their old values back.
   * Values are handed to the store as latin1 strings, so bytes survive.
   */
  // A password's value (requirepass, Redis's sensitive configs): never shown by MONITOR or SLOWLOG.
  redact: (argv) => {
    const out: number[] = []
    for (let i = 2; i + 1 < argv.length; i += 2) if (is(argv[i]!, 'requirepass')) out.push(i + 1)
    return out
  },
  execute(ctx, argv): Reply {
    if (argv.length % 2 !== 0) return Errors.syntax
    const config = ctx.server.config
    const names: string[] = []
    for (let i = 2; i < argv.length; i += 2) {
      // As given, for the error texts (Redis prints it as a C string).
      const given = cText(argv[i]!)
      const name = argv[i]!.toString('latin1').toLowerCase()
      if (config.get(name) === undefined) {
        return error(`ERR Unknown option or number of arguments for CONFIG SET - '${given}'`)
      }
      if (names.includes(name)) {
        return error(`ERR CONFIG SET failed (possibly related to argument '${given}') - duplicate parameter`)
      }
      names.push(name)
    }
    const previous = names.map((name) => config.get(name)!)
    for (let n = 0; n < names.length; n++) {
      const problem = config.set(names[n]!, argv[3 + 2 * n]!.toString('latin1'))
      if (problem !== undefined) {
        for (let r = n - 1; r >= 0; r--) config.set(names[r]!, previous[r]!)
        return error(`ERR ${problem}`)
      }
    }
    return OK
  },
}
