// Glob matching with the semantics of Redis's stringmatchlen (util.c), on bytes: `*`, `?`,
// `[abc]`, `[^abc]`, `[a-z]`, `\x`, and an ASCII-only case-insensitive mode (CONFIG GET).
//
// Every pattern element other than `*` consumes exactly one byte, and which bytes a `[...]` class
// accepts depends only on the pattern. So a pattern compiles to a list of items (star, any byte,
// literal byte, or a 256-entry class table) and matching is the linear-backtracking wildcard
// algorithm, which finds a match exactly when Redis's recursive matcher does, without recursion.
// The compiler reproduces Redis's parsing quirks:
// - `[a-z]` compares C `char`s, which are signed: `[a-\xff]` is the range \xff..a (swapped).
//   Reversed ranges `[z-a]` are swapped. `[a-]` is the range a..] and the class continues.
// - An unterminated class runs to the end of the pattern; `[^` with nothing after matches any byte.
// - `]` right after `[` (or `[^`) closes the class: `[]` matches nothing, `[^]` any byte.
// - Inside a class `\x` is literal x, compared case-sensitively even in nocase mode.
// - A trailing lone `\` matches a literal backslash.
// - nocase lowercases with C-locale tolower (A-Z only); in ranges, after the swap.
// - An empty subject matches only the empty pattern (Redis's loop never runs), so `**` and `a*`
//   do not match "". The one exception is the bare pattern `*`: see compileGlob.

const STAR = 0x2a
const QMARK = 0x3f
const LBRACKET = 0x5b
const RBRACKET = 0x5d
const BACKSLASH = 0x5c
const CARET = 0x5e
const DASH = 0x2d

// Item codes: 0..255 is a literal byte, ANY is `?`, STAR is `*`, CLASS + i is classes[i].
const ITEM_STAR = -1
const ITEM_ANY = -2
const ITEM_CLASS = 256

/** C `char` as Redis's compiler sees it: signed. */
const signed = (b: number): number => (b << 24) >> 24
/** tolower in the C locale; Redis never sets LC_CTYPE. Negative (signed high) bytes are unchanged. */
const lower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c + 32 : c)

interface Compiled {
  readonly items: Int32Array
  readonly classes: Uint8Array[]
}

const compile = (pat: Buffer, nocase: boolean): Compiled => {
  const items: number[] = []
  const classes: Uint8Array[] = []
  const pl = pat.length
  let p = 0
  while (p < pl) {
    const b = pat[p]!
    if (b === STAR) items.push(ITEM_STAR)
    else if (b === QMARK) items.push(ITEM_ANY)
    else if (b === LBRACKET) {
      p++
      const not = p < pl && pat[p] === CARET
      if (not) p++
      const start = p
      // Runs Redis's class loop once per possible subject byte; each run ends at the same place.
      const table = new Uint8Array(256)
      for (let c = 0; c < 256; c++) {
        let match = false
        p = start
        for (;;) {
          const rem = pl - p
          const x = rem > 0 ? pat[p]! : 0
          if (x === BACKSLASH && rem >= 2) {
            p++
            if (pat[p] === c) match = true
          } else if (x === RBRACKET) {
            break
          } else if (rem === 0) {
            // Unterminated: step back so the shared increment below lands on the end.
            p--
            break
          } else if (rem >= 3 && pat[p + 1] === DASH) {
            let lo = signed(x)
            let hi = signed(pat[p + 2]!)
            let cc = signed(c)
            if (lo > hi) [lo, hi] = [hi, lo]
            if (nocase) {
              lo = lower(lo)
              hi = lower(hi)
              cc = lower(cc)
            }
            p += 2
            if (cc >= lo && cc <= hi) match = true
          } else if (nocase ? lower(x) === lower(c) : x === c) {
            match = true
          }
          p++
        }
        table[c] = match !== not ? 1 : 0
      }
      items.push(ITEM_CLASS + classes.length)
      classes.push(table)
    } else {
      if (b === BACKSLASH && pl - p >= 2) p++
      const lit = pat[p]!
      if (nocase && lit >= 0x41 && lit <= 0x5a) items.push(letterClass(lit, classes))
      else if (nocase && lit >= 0x61 && lit <= 0x7a) items.push(letterClass(lit - 32, classes))
      else items.push(lit)
    }
    p++
  }
  return { items: Int32Array.from(items), classes }
}

/** A class accepting an ASCII upper-case letter and its lower-case form. */
const letterClass = (upper: number, classes: Uint8Array[]): number => {
  const table = new Uint8Array(256)
  table[upper] = 1
  table[upper + 32] = 1
  classes.push(table)
  return ITEM_CLASS + classes.length - 1
}

const matchItems = ({ items, classes }: Compiled, s: Buffer): boolean => {
  const m = items.length
  const n = s.length
  let pi = 0
  let si = 0
  // The most recent star and the subject position it is currently assumed to end at.
  let starP = -1
  let starS = 0
  while (si < n) {
    if (pi < m) {
      const it = items[pi]!
      if (it === ITEM_STAR) {
        starP = pi++
        starS = si
        continue
      }
      const c = s[si]!
      if (it === ITEM_ANY || it === c || (it >= ITEM_CLASS && classes[it - ITEM_CLASS]![c] === 1)) {
        pi++
        si++
        continue
      }
    }
    if (starP < 0) return false
    pi = starP + 1
    si = ++starS
  }
  while (pi < m && items[pi] === ITEM_STAR) pi++
  return pi === m
}

/** The literal items at the start of a compiled pattern, as bytes. */
const leadingLiterals = (items: Int32Array): Buffer => {
  let k = 0
  while (k < items.length && items[k]! >= 0 && items[k]! < 256) k++
  return Buffer.from(items.subarray(0, k))
}

/**
 * Compiles a glob pattern into a predicate with the semantics of Redis's stringmatchlen, except
 * that the bare pattern `*` matches every subject including the empty one: that is how KEYS and
 * SCAN MATCH (which skip the matcher for `*`) behave. Literal, `prefix*`, `*suffix` and
 * `*infix*` patterns get Buffer-comparison fast paths.
 */
export const compileGlob = (pattern: Buffer, nocase = false): ((subject: Buffer) => boolean) => {
  if (pattern.length === 1 && pattern[0] === STAR) return () => true
  const compiled = compile(pattern, nocase)
  const items = compiled.items
  if (pattern.length === 0) return (s) => s.length === 0
  const lit = leadingLiterals(items)
  const k = lit.length
  const starsFrom = (from: number): boolean => {
    for (let i = from; i < items.length; i++) if (items[i] !== ITEM_STAR) return false
    return true
  }
  if (k === items.length) return (s) => s.length === k && lit.equals(s)
  if (starsFrom(k)) {
    // An empty subject never matches a non-empty pattern (stars-only included).
    return (s) => s.length > 0 && s.length >= k && lit.compare(s, 0, k) === 0
  }
  if (items[0] === ITEM_STAR) {
    let j = 1
    while (j < items.length && items[j] === ITEM_STAR) j++
    let e = j
    while (e < items.length && items[e]! >= 0 && items[e]! < 256) e++
    if (e > j) {
      const mid = Buffer.from(items.subarray(j, e))
      const len = mid.length
      if (e === items.length) return (s) => s.length >= len && mid.compare(s, s.length - len) === 0
      if (starsFrom(e)) return (s) => s.indexOf(mid) !== -1
    }
  }
  return (s) => s.length > 0 && matchItems(compiled, s)
}

/**
 * The literal bytes before the pattern's first `*`, `?` or `[`, with escapes resolved: every
 * subject the pattern matches (case-sensitively) starts with them, so KEYS and SCAN need only
 * visit that key range.
 */
export const literalPrefix = (pattern: Buffer): Buffer => leadingLiterals(compile(pattern, false).items)
