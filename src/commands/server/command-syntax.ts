// Turns a spec's grammar line (`key value [NX | XX] [EX seconds | PX milliseconds]`) into the
// argument tree COMMAND DOCS reports, so clients such as redis-cli can show argument hints
// without a second copy of each grammar. Types are inferred from argument names; a grammar this
// parser does not understand yields no argument list rather than a wrong one.

export type ArgType = 'key' | 'string' | 'integer' | 'double' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block'
export type ArgFlag = 'optional' | 'multiple' | 'multiple_token'

export interface ArgDoc {
  name: string
  type: ArgType
  token?: string
  flags: ArgFlag[]
  arguments?: ArgDoc[]
  keySpecIndex?: number
}

type Node =
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'ellipsis' }
  | { readonly kind: 'group'; readonly optional: boolean; readonly alts: Node[][] }

class SyntaxUnsupported extends Error {}

const tokenize = (syntax: string): string[] => syntax.match(/\.\.\.|[[\]<>|]|[^\s[\]<>|]+/g) ?? []

/** Alternatives (split on `|`) up to the closing bracket `close`, or to the end. */
const parseAlts = (tokens: string[], pos: { i: number }, close: string | undefined): Node[][] => {
  const alts: Node[][] = [[]]
  while (pos.i < tokens.length) {
    const t = tokens[pos.i++]!
    if (t === close) return alts
    if (t === ']' || t === '>') throw new SyntaxUnsupported(t)
    if (t === '|') alts.push([])
    else if (t === '...') alts.at(-1)!.push({ kind: 'ellipsis' })
    else if (t === '[' || t === '<') {
      alts.at(-1)!.push({ kind: 'group', optional: t === '[', alts: parseAlts(tokens, pos, t === '[' ? ']' : '>') })
    } else alts.at(-1)!.push({ kind: 'word', text: t })
  }
  if (close !== undefined) throw new SyntaxUnsupported('unclosed')
  return alts
}

const isToken = (n: Node): boolean => n.kind === 'word' && /^[A-Z][A-Z0-9_-]*$/.test(n.text)

const KEY_NAMES = new Set(['key', 'newkey', 'source', 'destination'])
const INTEGER_NAMES = new Set([
  'count', 'index', 'seconds', 'milliseconds', 'timeout', 'offset', 'start', 'end', 'stop', 'numkeys', 'db',
  'destination-db', 'client-id', 'protover', 'cursor', 'len', 'rank', 'num-matches', 'ttl', 'limit', 'increment',
  'decrement', 'bit', 'numreplicas', 'index1', 'index2',
])
const typeOf = (name: string): ArgType =>
  KEY_NAMES.has(name)
    ? 'key'
    : name === 'pattern'
      ? 'pattern'
      : name.startsWith('unix-time')
        ? 'unix-time'
        : name === 'score'
          ? 'double'
          : INTEGER_NAMES.has(name)
            ? 'integer'
            : 'string'

/** Several arguments that form one unit become a block named after its first member. */
const asOne = (args: ArgDoc[]): ArgDoc => {
  if (args.length === 1) return args[0]!
  if (args.length === 0) throw new SyntaxUnsupported('empty')
  return { name: args[0]!.token?.toLowerCase() ?? args[0]!.name, type: 'block', flags: [], arguments: args }
}

const convertGroup = (group: Extract<Node, { kind: 'group' }>): ArgDoc => {
  const arg =
    group.alts.length > 1
      ? {
          name: group.alts.map((alt) => asOne(convertSeq(alt)).name).join('-'),
          type: 'oneof' as const,
          flags: [] as ArgFlag[],
          arguments: group.alts.map((alt) => asOne(convertSeq(alt))),
        }
      : asOne(convertSeq(group.alts[0]!))
  if (group.optional) arg.flags.push('optional')
  return arg
}

/** Converts one alternative: tokens take the non-token items after them as their value. */
const convertSeq = (items: readonly Node[]): ArgDoc[] => {
  const out: ArgDoc[] = []
  for (let i = 0; i < items.length; i++) {
    const node = items[i]!
    if (node.kind === 'ellipsis') throw new SyntaxUnsupported('...')
    if (isToken(node)) {
      const token = (node as { text: string }).text
      let j = i + 1
      while (j < items.length && !isToken(items[j]!)) j++
      const values = convertSeq(items.slice(i + 1, j))
      if (values.length === 0) {
        out.push({ name: token.toLowerCase(), type: 'pure-token', token, flags: [] })
      } else if (values.length === 1 && values[0]!.token === undefined) {
        out.push({ ...values[0]!, token })
      } else {
        out.push({ name: token.toLowerCase(), type: 'block', token, flags: [], arguments: values })
      }
      i = j - 1
      continue
    }
    if (node.kind === 'word') {
      out.push({ name: node.text, type: typeOf(node.text), flags: [] })
      continue
    }
    // `x [x ...]`: a group that repeats the arguments before it marks them multiple.
    const alt = node.alts.length === 1 ? node.alts[0]! : undefined
    if (node.optional && alt !== undefined && alt.at(-1)?.kind === 'ellipsis') {
      const repeated = alt.length === 1 ? out.slice(-1) : convertSeq(alt.slice(0, -1))
      const previous = out.slice(-repeated.length)
      if (previous.length !== repeated.length || previous.some((a, k) => a.name !== repeated[k]!.name)) {
        throw new SyntaxUnsupported('repetition')
      }
      out.splice(-repeated.length)
      const unit = asOne(previous)
      unit.flags.push('multiple')
      // The token repeats with each value (`GET pattern [GET pattern ...]`).
      if (repeated[0]!.token !== undefined) unit.flags.push('multiple_token')
      out.push(unit)
      continue
    }
    out.push(convertGroup(node))
  }
  return out
}

const numberKeys = (args: readonly ArgDoc[], next: { i: number }, max: number): void => {
  for (const a of args) {
    if (a.type === 'key') a.keySpecIndex = Math.min(next.i++, Math.max(0, max - 1))
    if (a.arguments) numberKeys(a.arguments, next, max)
  }
}

/** The argument tree of a grammar line, or undefined when it has none or cannot be read. */
export const parseSyntax = (syntax: string | undefined, keySpecCount: number): ArgDoc[] | undefined => {
  if (syntax === undefined || syntax.trim() === '') return undefined
  try {
    const alts = parseAlts(tokenize(syntax), { i: 0 }, undefined)
    const args = alts.length === 1 ? convertSeq(alts[0]!) : [convertGroup({ kind: 'group', optional: false, alts })]
    numberKeys(args, { i: 0 }, keySpecCount)
    return args
  } catch (e) {
    if (e instanceof SyntaxUnsupported) return undefined
    throw e
  }
}
