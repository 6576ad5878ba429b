// Command-line flags: `--name value` or `--name=value`; the first non-flag words are positional.
// Each subcommand declares the flags it takes, so a misspelt flag is an error, not ignored.

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string>
  readonly positional: readonly string[]
}

/** `known` maps each flag to whether it takes a value (true) or is a switch (false). */
export const parseArgs = (argv: readonly string[], known: Readonly<Record<string, boolean>>): ParsedArgs => {
  const flags = new Map<string, string>()
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (!word.startsWith('--')) {
      positional.push(word)
      continue
    }
    const eq = word.indexOf('=')
    const name = word.slice(2, eq === -1 ? undefined : eq)
    if (!(name in known)) throw new UsageError(`unknown option --${name}`)
    if (!known[name]) {
      flags.set(name, 'true')
      continue
    }
    const value = eq !== -1 ? word.slice(eq + 1) : argv[++i]
    if (value === undefined) throw new UsageError(`--${name} needs a value`)
    flags.set(name, value)
  }
  return { flags, positional }
}

export class UsageError extends Error {}

/** `30s`, `500ms`, `2m`, `1h`, or a plain number of seconds; returns milliseconds. */
export const parseDuration = (text: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text)
  if (!m) throw new UsageError(`invalid duration ${JSON.stringify(text)}: use e.g. 30s, 500ms, 2m`)
  const unit = m[2] ?? 's'
  return Number(m[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000)
}

/** A positive integer (underscores and k/M suffixes allowed: 100k, 1M). */
export const parseCount = (name: string, text: string, min = 1): number => {
  const m = /^(\d[\d_]*)(k|M)?$/.exec(text)
  const n = m ? Number(m[1]!.replaceAll('_', '')) * (m[2] === 'k' ? 1000 : m[2] === 'M' ? 1_000_000 : 1) : NaN
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`)
  return n
}
