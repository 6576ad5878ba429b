// Reads the server's configuration the way redis-server does: an optional config file (first
// argument) with `name value…` lines, then `--name value…` flags, which win. Every option is
// validated by its spec in options.ts; anything unknown or malformed fails start-up with a
// message naming the option.

import * as Data from 'effect/Data'
import * as Effect from 'effect/Effect'
import { splitInline } from '../protocol/request-decoder.js'
import { OPTION_BY_NAME, type OptionValue } from './options.js'

export class ConfigError extends Data.TaggedError('ConfigError')<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

export interface LoadedConfig {
  readonly values: ReadonlyMap<string, OptionValue>
  /** Absolute path of the config file, or '' when none was given. */
  readonly file: string
}

type Directive = { readonly name: string; readonly words: string[]; readonly origin: string }

const apply = (values: Map<string, OptionValue>, d: Directive): ConfigError | undefined => {
  const spec = OPTION_BY_NAME.get(d.name.toLowerCase())
  if (spec === undefined) return new ConfigError({ reason: `${d.origin}: unknown option '${d.name}'` })
  if (d.words.length === 0) return new ConfigError({ reason: `${d.origin}: option '${d.name}' needs a value` })
  const parsed = spec.parse(d.words)
  if (typeof parsed === 'object') {
    return new ConfigError({ reason: `${d.origin}: invalid value for option '${d.name}': ${parsed.error}` })
  }
  // Save points add up, as in Redis: the first `save` line replaces the default, later ones add
  // theirs, and `save ""` clears them (CONFIG REWRITE writes a line per save point).
  const previous = values.get(spec.name)
  if (spec.name === 'save' && parsed !== '' && previous !== undefined && previous !== '') values.set(spec.name, `${previous} ${parsed}`)
  else values.set(spec.name, parsed)
  return undefined
}

/** Parses command-line arguments into directives: `--name value…`, values run until the next `--`. */
export const parseFlags = (args: readonly string[]): { file: string | undefined; directives: Directive[] } | ConfigError => {
  let i = 0
  let file: string | undefined
  if (args.length > 0 && !args[0]!.startsWith('--')) {
    file = args[0]
    i = 1
  }
  const directives: Directive[] = []
  while (i < args.length) {
    const arg = args[i]!
    if (!arg.startsWith('--') || arg.length === 2) {
      return new ConfigError({ reason: `command line: unexpected argument '${arg}' (options are written --name value)` })
    }
    const name = arg.slice(2)
    const words: string[] = []
    for (i++; i < args.length && !args[i]!.startsWith('--'); i++) words.push(args[i]!)
    // A flag given without a value, e.g. `--save` followed by another flag, means the empty string.
    directives.push({ name, words: words.length === 0 ? [''] : words, origin: 'command line' })
  }
  return { file, directives }
}

/**
 * Parses redis.conf text, read as latin1 so that each byte is one character: values hold the
 * file's bytes as CONFIG SET's do, and CONFIG REWRITE writes them back unchanged. Quoting
 * follows Redis (sdssplitargs).
 */
export const parseConfigText = (text: string, fileName: string): Directive[] | ConfigError => {
  const directives: Directive[] = []
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim()
    if (line === '' || line.startsWith('#')) continue
    const bytes = Buffer.from(line, 'latin1')
    const words = splitInline(bytes, 0, bytes.length)
    if (words === null) return new ConfigError({ reason: `${fileName}:${n + 1}: unbalanced quotes` })
    const [name, ...rest] = words.map((w) => w.toString('latin1'))
    directives.push({ name: name!, words: rest, origin: `${fileName}:${n + 1}` })
  }
  return directives
}

/**
 * The config file's text and its real path, through the platform's file system. That module is
 * loaded only when a file is given: it brings in most of effect (Schema, Stream, Channel), about
 * 17 MB of resident memory and a tenth of a second of start-up that a server configured by flags
 * alone does not need.
 */
const readConfigFile = (path: string): Effect.Effect<{ readonly text: string; readonly realPath: string }, ConfigError> =>
  Effect.promise(() => Promise.all([import('@effect/platform/FileSystem'), import('@effect/platform-node/NodeFileSystem')])).pipe(
    Effect.flatMap(([FileSystem, NodeFileSystem]) =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const text = yield* fs
          .readFileString(path, 'latin1')
          .pipe(Effect.mapError((e) => new ConfigError({ reason: `cannot read config file '${path}': ${e.message}` })))
        const realPath = yield* fs.realPath(path).pipe(Effect.orElseSucceed(() => path))
        return { text, realPath }
      }).pipe(Effect.provide(NodeFileSystem.layer)),
    ),
  )

export const loadConfig = (args: readonly string[]): Effect.Effect<LoadedConfig, ConfigError> =>
  Effect.gen(function* () {
    const flags = parseFlags(args)
    if (flags instanceof ConfigError) return yield* flags
    const values = new Map<string, OptionValue>()
    let file = ''
    if (flags.file !== undefined) {
      const path = flags.file
      const { text, realPath } = yield* readConfigFile(path)
      const directives = parseConfigText(text, path)
      if (directives instanceof ConfigError) return yield* directives
      for (const d of directives) {
        const problem = apply(values, d)
        if (problem) return yield* problem
      }
      file = realPath
    }
    for (const d of flags.directives) {
      const problem = apply(values, d)
      if (problem) return yield* problem
    }
    return { values, file }
  })
