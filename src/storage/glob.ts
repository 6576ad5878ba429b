// Glob matching with the semantics of Redis's stringmatchlen (util.c), on bytes: `*`, `?`,
// `[abc]`, `[^abc]`, `[a-z]`, `\x`, and an ASCII-only case-insensitive mode (CONFIG GET).
//
// Every pattern element other than `*` consumes exactly one byte, and which bytes a `[...]` class
// accepts depends only on the pattern. So a pattern compiles to a list of items (star, any byte,
// literal byte, or a 256-entry class table) and matching is the linear-backtracking wildcard
// algorithm, which finds a match exactly when Redis's recursive matcher does, without recursion.
// Items are compiled as matching reaches them, not up front: like Redis's matcher, which reads a
// pattern only as far as a subject takes it, matching then costs nothing for the part of a huge
// pattern (up to proto-max-bulk-len) that no key reaches, and each class is compiled in one pass.
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

/**
 * Redis 7.0's stringmatchlen gives up (no match) rather than recurse deeper than this: every
 * star that more pattern follows is one level, so no match gets past the 1001st such star.
 */
const MAX_NESTING = 1000

/** A pattern compiled as far as matching has reached (see has). */
class Compiled {
  items = new Int32Array(16)
  /** Items compiled so far. */
  count = 0
  readonly classes: Uint8Array[] = []
  /** The item index of the star Redis would reach at nesting MAX_NESTING + 1, or -1. */
  limitStar = -1
  /** The pattern offset compiling resumes at. */
  private p = 0
  private stars = 0

  constructor(
    private readonly pat: Buffer,
    private readonly nocase: boolean,
  ) {}

  /** Whether item `i` exists, compiling the pattern up to it first. */
  has(i: number): boolean {
    while (i >= this.count) {
      if (this.p >= this.pat.length) return false
      this.next()
    }
    return true
  }

  /** Compiles the element at p into one item. */
  private next(): void {
    const pat = this.pat
    const pl = pat.length
    let p = this.p
    const b = pat[p]!
    let item: number
    if (b === STAR) {
      // A run of stars is one star, as Redis's matcher skips to the last of them.
      while (p + 1 < pl && pat[p + 1] === STAR) p++
      if (++this.stars === MAX_NESTING + 1) this.limitStar = this.count
      item = ITEM_STAR
    } else if (b === QMARK) item = ITEM_ANY
    else if (b === LBRACKET) {
      p++
      const not = p < pl && pat[p] === CARET
      if (not) p++
      const table = new Uint8Array(256)
      p = compileClass(pat, p, table, this.nocase)
      if (not) for (let c = 0; c < 256; c++) table[c] ^= 1
      item = this.addClass(table)
    } else {
      if (b === BACKSLASH && pl - p >= 2) p++
      const lit = pat[p]!
      if (this.nocase && isLetter(lit)) {
        const table = new Uint8Array(256)
        table[lit & ~32] = 1
        table[lit | 32] = 1
        item = this.addClass(table)
      } else item = lit
    }
    this.p = p + 1
    if (this.count === this.items.length) {
      const grown = new Int32Array(this.count * 2)
      grown.set(this.items)
      this.items = grown
    }
    this.items[this.count++] = item
  }

  private addClass(table: Uint8Array): number {
    this.classes.push(table)
    return ITEM_CLASS + this.classes.length - 1
  }
}

const isLetter = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)

/**
 * Marks in `table` the bytes a class accepts (before any `^`), reading it from `p` (just after
 * `[` or `[^`) the way Redis's class loop does, for every subject byte at once: each element
 * marks the bytes it accepts. Returns the offset of the closing `]`, or of the pattern's last
 * byte when the class is unterminated (the caller steps past either).
 */
const compileClass = (pat: Buffer, p: number, table: Uint8Array, nocase: boolean): number => {
  const pl = pat.length
  // Ranges already marked: a class repeating one range a million times marks it once.
  let ranges: Set<number> | undefined
  for (;;) {
    const rem = pl - p
    const x = rem > 0 ? pat[p]! : 0
    if (x === BACKSLASH && rem >= 2) {
      // Escaped: literal, compared case-sensitively even in nocase mode.
      p++
      table[pat[p]!] = 1
    } else if (x === RBRACKET) {
      return p
    } else if (rem === 0) {
      return p - 1
    } else if (rem >= 3 && pat[p + 1] === DASH) {
      let lo = signed(x)
      let hi = signed(pat[p + 2]!)
      if (lo > hi) [lo, hi] = [hi, lo]
      ranges ??= new Set()
      const id = (lo + 128) * 256 + hi + 128
      if (!ranges.has(id)) {
        ranges.add(id)
        markRange(table, lo, hi, nocase)
      }
      p += 2
    } else {
      table[x] = 1
      if (nocase && isLetter(x)) table[x ^ 32] = 1
    }
    p++
  }
}

/**
 * Marks the bytes c with lo <= c <= hi as signed chars; in nocase mode the bounds and c are
 * lowercased first (after the swap), so an upper-case c counts as its lower-case form.
 */
const markRange = (table: Uint8Array, lo: number, hi: number, nocase: boolean): void => {
  if (!nocase) {
    for (let cc = lo; cc <= hi; cc++) table[cc & 255] = 1
    return
  }
  lo = lower(lo)
  hi = lower(hi)
  for (let cc = lo; cc <= hi; cc++) if (cc < 0x41 || cc > 0x5a) table[cc & 255] = 1
  for (let u = 0x41; u <= 0x5a; u++) if (u + 32 >= lo && u + 32 <= hi) table[u] = 1
}

const matchItems = (compiled: Compiled, s: Buffer): boolean => {
  const classes = compiled.classes
  const n = s.length
  let pi = 0
  let si = 0
  // The most recent star and the subject position it is currently assumed to end at.
  let starP = -1
  let starS = 0
  while (si < n) {
    if (pi < compiled.count || compiled.has(pi)) {
      const it = compiled.items[pi]!
      if (it === ITEM_STAR) {
        // Redis would recurse past its nesting limit here: it finds no match.
        if (pi === compiled.limitStar && compiled.has(pi + 1)) return false
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
  while (compiled.has(pi) && compiled.items[pi] === ITEM_STAR) pi++
  return !compiled.has(pi)
}

/**
 * The literal bytes of the elements from `from` on, up to the first element that is not a
 * literal (`*`, `?`, a class, or in nocase mode a letter), with escapes resolved; and where
 * that element starts. Reads the pattern itself, so fast paths cost no compiled items.
 */
const literalRun = (pat: Buffer, from: number, nocase: boolean): { readonly bytes: Buffer; readonly end: number } => {
  const pl = pat.length
  const out = Buffer.allocUnsafe(pl - from)
  let k = 0
  let p = from
  while (p < pl) {
    const b = pat[p]!
    if (b === STAR || b === QMARK || b === LBRACKET) break
    const q = b === BACKSLASH && pl - p >= 2 ? p + 1 : p
    if (nocase && isLetter(pat[q]!)) break
    out[k++] = pat[q]!
    p = q + 1
  }
  return { bytes: Buffer.from(out.subarray(0, k)), end: p }
}

/** Whether pat[from..] is stars only (or empty). */
const onlyStars = (pat: Buffer, from: number): boolean => {
  for (let i = from; i < pat.length; i++) if (pat[i] !== STAR) return false
  return true
}

/**
 * Compiles a glob pattern into a predicate with the semantics of Redis's stringmatchlen, except
 * that the bare pattern `*` matches every subject including the empty one: that is how KEYS and
 * SCAN MATCH (which skip the matcher for `*`) behave. Literal, `prefix*`, `*suffix` and
 * `*infix*` patterns get Buffer-comparison fast paths.
 */
export const compileGlob = (pattern: Buffer, nocase = false): ((subject: Buffer) => boolean) => {
  const pl = pattern.length
  if (pl === 1 && pattern[0] === STAR) return () => true
  if (pl === 0) return (s) => s.length === 0
  const head = literalRun(pattern, 0, nocase)
  const lit = head.bytes
  const k = lit.length
  if (head.end === pl) return (s) => s.length === k && lit.equals(s)
  if (onlyStars(pattern, head.end)) {
    // An empty subject never matches a non-empty pattern (stars-only included).
    return (s) => s.length > 0 && s.length >= k && lit.compare(s, 0, k) === 0
  }
  if (pattern[0] === STAR) {
    let j = 1
    while (j < pl && pattern[j] === STAR) j++
    const run = literalRun(pattern, j, nocase)
    const mid = run.bytes
    const len = mid.length
    if (len > 0) {
      if (run.end === pl) return (s) => s.length >= len && mid.compare(s, s.length - len) === 0
      if (onlyStars(pattern, run.end)) return (s) => s.indexOf(mid) !== -1
    }
  }
  const compiled = new Compiled(pattern, nocase)
  return (s) => s.length > 0 && matchItems(compiled, s)
}

/**
 * The literal bytes before the pattern's first `*`, `?` or `[`, with escapes resolved: every
 * subject the pattern matches (case-sensitively) starts with them, so KEYS and SCAN need only
 * visit that key range.
 */
export const literalPrefix = (pattern: Buffer): Buffer => literalRun(pattern, 0, false).bytes
