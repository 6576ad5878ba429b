// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
import { array, bulk, error, Errors, integer, map, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { is, parseInteger } from '../args.js'

const NOT_STRINGS = error('ERR The specified keys must contain string values')
const LEN_AND_IDX = error('ERR If you want both the length and indexes, please just use IDX.')
const NO_MEMORY = error('ERR Insufficient memory, failed allocating transient memory for LCS')
const EMPTY = Buffer.alloc(0)

/**
 * The largest table of lengths LCS builds, in cells (4 bytes each): 256 MB, two strings of about
 * 8,000 bytes. Redis allocates whatever the strings need and answers NO_MEMORY only when the
 * allocation fails; here a larger table would hold the event loop for seconds and the memory
 * past maxmemory, so it gets that answer at once.
 */
const MAX_CELLS = 64 * 1024 * 1024

/**
 * Redis 7.0's lcsCommand: the table of LCS lengths, then a walk back from its end that builds
 * the sequence and, with IDX, the matching ranges from the last to the first.
 */
export const lcs: CommandSpec = {
  name: 'lcs',
  arity: -3,
  flags: ['readonly'],
  keys: { first: 1, last: 2, step: 1 },
  group: 'string',
  summary: 'Find longest common substring',
  since: '7.0.0',
  complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively',
  syntax: 'key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    // Looked up before the options are read, as Redis: a wrong type answers before a syntax error.
    const first = db.get(argv[1]!)
    const second = db.get(argv[2]!)
    if ((first !== undefined && first.value.type !== 'string') || (second !== undefined && second.value.type !== 'string')) {
      return NOT_STRINGS
    }
    let getLen = false
    let getIdx = false
    let withMatchLen = false
    let minMatchLen = 0
    for (let j = 3; j < argv.length; j++) {
      const option = argv[j]!
      if (is(option, 'idx')) getIdx = true
      else if (is(option, 'len')) getLen = true
      else if (is(option, 'withmatchlen')) withMatchLen = true
      else if (is(option, 'minmatchlen') && j + 1 < argv.length) {
        const n = parseInteger(argv[++j]!)
        if (n === null) return Errors.notInteger
        minMatchLen = Math.max(0, n)
      } else return Errors.syntax
    }
    if (getIdx && getLen) return LEN_AND_IDX

    const a = first?.value.type === 'string' ? first.value.data : EMPTY
    const b = second?.value.type === 'string' ? second.value.data : EMPTY
    const alen = a.length
    const blen = b.length
    const width = blen + 1
    if ((alen + 1) * width > MAX_CELLS) return NO_MEMORY
    // table[j + i * width]: the LCS length of a[0..i) and b[0..j).
    const table = new Uint32Array((alen + 1) * width)
    for (let i = 1; i <= alen; i++) {
      const row = i * width
      const above = row - width
      const ai = a[i - 1]
      for (let j = 1; j <= blen; j++) {
        table[row + j] = ai === b[j - 1] ? table[above + j - 1]! + 1 : Math.max(table[above + j]!, table[row + j - 1]!)
      }
    }
    const length = table[alen * width + blen]!
    if (getLen) return integer(length)

    const sequence = getIdx ? EMPTY : Buffer.alloc(length)
    const matches: Reply[] = []
    let idx = length
    // aStart === alen: no range is open.
    let aStart = alen
    let aEnd = 0
    let bStart = 0
    let bEnd = 0
    let i = alen
    let j = blen
    while (i > 0 && j > 0) {
      let emit = false
      if (a[i - 1] === b[j - 1]) {
        if (!getIdx) sequence[idx - 1] = a[i - 1]!
        if (aStart === alen) {
          aStart = aEnd = i - 1
          bStart = bEnd = j - 1
        } else if (aStart === i && bStart === j) {
          aStart--
          bStart--
        } else emit = true
        // A range that reached the start of either string ends here: the walk stops next.
        if (aStart === 0 || bStart === 0) emit = true
        idx--
        i--
        j--
      } else {
        if (table[(i - 1) * width + j]! > table[i * width + j - 1]!) i--
        else j--
        if (aStart !== alen) emit = true
      }
      if (emit) {
        const matchLen = aEnd - aStart + 1
        if (getIdx && (minMatchLen === 0 || matchLen >= minMatchLen)) {
          const range: Reply[] = [array([integer(aStart), integer(aEnd)]), array([integer(bStart), integer(bEnd)])]
          if (withMatchLen) range.push(integer(matchLen))
          matches.push(array(range))
        }
        aStart = alen
      }
    }
    if (!getIdx) return bulk(sequence)
    return map([
      [bulk('matches'), array(matches)],
      [bulk('len'), integer(length)],
    ])
  },
}
