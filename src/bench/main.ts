// `we-trust-redis bench …` dispatch. Subcommands: (none) runs a load, `compare` puts reports
// side by side, `crash` checks durability across SIGKILLs. Returns the exit code.

import { UsageError } from './args.js'
import { compareCommand, COMPARE_USAGE } from './compareCommand.js'
import { crashCommand, CRASH_USAGE } from './crashCommand.js'
import { runCommand, RUN_USAGE } from './runCommand.js'

export const main = async (argv: readonly string[]): Promise<number> => {
  try {
    switch (argv[0]) {
      case 'compare':
        return compareCommand(argv.slice(1))
      case 'crash':
        return await crashCommand(argv.slice(1))
      case 'help':
        process.stdout.write([RUN_USAGE, COMPARE_USAGE, CRASH_USAGE].join('\n\n') + '\n')
        return 0
      default:
        return await runCommand(argv)
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`we-trust-redis bench: ${error.message}\n`)
      return 2
    }
    process.stderr.write(`we-trust-redis bench: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}
