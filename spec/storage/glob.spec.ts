import { expect } from 'chai'
import fc from 'fast-check'
import { compileGlob, literalPrefix } from '../../src/storage/glob.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')

/**
 * A line-by-line port of Redis 7.0's recursive stringmatchlen_impl (util.c), the model the
 * compiled matcher is checked against. Reads past the end see 0, as C sees the sds terminator;
 * recursion deeper than 1000 stars finds no match, as there.
 */
const reference = (pattern: Buffer, subject: Buffer, nocase: boolean): boolean => {
  const signed = (x: number) => (x << 24) >> 24
  const lower = (x: number) => (x >= 65 && x <= 90 ? x + 32 : x)
  const state = { skipLonger: false }
  const impl = (p: number, s: number, nesting: number): boolean => {
    if (nesting > 1000) return false
    const at = (i: number) => (i < pattern.length ? pattern[i]! : 0)
    let plen = pattern.length - p
    let slen = subject.length - s
    while (plen > 0 && slen > 0) {
      switch (at(p)) {
        case 0x2a: // *
          while (plen > 0 && at(p + 1) === 0x2a) {
            p++
            plen--
          }
          if (plen === 1) return true
          while (slen > 0) {
            if (impl(p + 1, s, nesting + 1)) return true
            if (state.skipLonger) return false
            s++
            slen--
          }
          state.skipLonger = true
          return false
        case 0x3f: // ?
          s++
          slen--
          break
        case 0x5b: {
          // [
          p++
          plen--
          const not = at(p) === 0x5e
          if (not) {
            p++
            plen--
          }
          let match = false
          for (;;) {
            if (at(p) === 0x5c && plen >= 2) {
              p++
              plen--
              if (at(p) === subject[s]) match = true
            } else if (at(p) === 0x5d) {
              break
            } else if (plen === 0) {
              p--
              plen++
              break
            } else if (plen >= 3 && at(p + 1) === 0x2d) {
              let start = signed(at(p))
              let end = signed(at(p + 2))
              let c = signed(subject[s]!)
              if (start > end) [start, end] = [end, start]
              if (nocase) {
                start = lower(start)
                end = lower(end)
                c = lower(c)
              }
              p += 2
              plen -= 2
              if (c >= start && c <= end) match = true
            } else if (nocase ? lower(at(p)) === lower(subject[s]!) : at(p) === subject[s]) {
              match = true
            }
            p++
            plen--
          }
          if (not) match = !match
          if (!match) return false
          s++
          slen--
          break
        }
        default:
          // A backslash escapes the next byte unless it is the last one (C falls through here).
          if (at(p) === 0x5c && plen >= 2) {
            p++
            plen--
          }
          if (nocase ? lower(at(p)) !== lower(subject[s]!) : at(p) !== subject[s]) return false
          s++
          slen--
      }
      p++
      plen--
      if (slen === 0) {
        while (at(p) === 0x2a) {
          p++
          plen--
        }
        break
      }
    }
    return plen === 0 && slen === 0
  }
  return impl(0, 0, 0)
}

// Expectations recorded from redis-server 7.0.15: `KEYS pattern` over a database holding exactly
// the subjects below (KEYS uses stringmatchlen, except that it lists everything for a bare `*`).
const subjects = ['', 'a', 'b', 'A', 'ab', 'abc', 'aXc', 'ac', 'abbc', 'hello', 'hallo', 'hxllo', 'heeello', 'hllo', 'a*b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a-b', '\\', '\\\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f', 'a\x00b', 'foo', 'foo:', 'foo:bar', 'user:1:name', 'user::name', 'x-y']
const table: [string, string[]][] = [
  ['*', ['', 'a', 'b', 'A', 'ab', 'abc', 'aXc', 'ac', 'abbc', 'hello', 'hallo', 'hxllo', 'heeello', 'hllo', 'a*b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a-b', '\\', '\\\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f', 'a\x00b', 'foo', 'foo:', 'foo:bar', 'user:1:name', 'user::name', 'x-y']],
  ['**', ['a', 'b', 'A', 'ab', 'abc', 'aXc', 'ac', 'abbc', 'hello', 'hallo', 'hxllo', 'heeello', 'hllo', 'a*b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a-b', '\\', '\\\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f', 'a\x00b', 'foo', 'foo:', 'foo:bar', 'user:1:name', 'user::name', 'x-y']],
  ['', ['']],
  ['a', ['a']],
  ['A', ['A']],
  ['a*', ['a', 'ab', 'abc', 'aXc', 'ac', 'abbc', 'a*b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a-b', 'a\x00b']],
  ['*a', ['a']],
  ['*b*', ['b', 'ab', 'abc', 'abbc', 'a*b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a-b', 'a\x00b', 'foo:bar']],
  ['a*c', ['abc', 'aXc', 'ac', 'abbc']],
  ['a?c', ['abc', 'aXc']],
  ['?', ['a', 'b', 'A', '\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f']],
  ['??', ['ab', 'ac', '\\\\']],
  ['*?', ['a', 'b', 'A', 'ab', 'abc', 'aXc', 'ac', 'abbc', 'hello', 'hallo', 'hxllo', 'heeello', 'hllo', 'a*b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a-b', '\\', '\\\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f', 'a\x00b', 'foo', 'foo:', 'foo:bar', 'user:1:name', 'user::name', 'x-y']],
  ['?*', ['a', 'b', 'A', 'ab', 'abc', 'aXc', 'ac', 'abbc', 'hello', 'hallo', 'hxllo', 'heeello', 'hllo', 'a*b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a-b', '\\', '\\\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f', 'a\x00b', 'foo', 'foo:', 'foo:bar', 'user:1:name', 'user::name', 'x-y']],
  ['h?llo', ['hello', 'hallo', 'hxllo']],
  ['h*llo', ['hello', 'hallo', 'hxllo', 'heeello', 'hllo']],
  ['h*l*o', ['hello', 'hallo', 'hxllo', 'heeello', 'hllo']],
  ['*a*b*c*', ['abc', 'abbc']],
  ['h[ae]llo', ['hello', 'hallo']],
  ['h[^e]llo', ['hallo', 'hxllo']],
  ['h[a-b]llo', ['hallo']],
  ['[a-c]*', ['a', 'b', 'ab', 'abc', 'aXc', 'ac', 'abbc', 'a*b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a-b', 'a\x00b']],
  ['[^a-c]', ['A', '\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f']],
  ['[z-a]', ['a', 'b', 'z']],
  ['[a-a]', ['a']],
  ['[!a]', ['a']],
  ['[]', []],
  ['[^]', ['a', 'b', 'A', '\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f']],
  ['[]a]', []],
  ['[^]a]', []],
  ['[a-]', ['a', ']', '^', '_']],
  ['[a-]b', ['a', 'b', ']', '^', '_']],
  ['[-a]', ['a', '-']],
  ['[^-]', ['a', 'b', 'A', '\\', '*', '?', '[', ']', '^', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f']],
  ['[--z]', ['a', 'b', 'A', '\\', '?', '[', ']', '^', '-', 'z', 'Z', '_']],
  ['[\\]]', [']']],
  ['[\\]', [']']],
  ['[\\', ['\\']],
  ['[', []],
  ['[^', ['a', 'b', 'A', '\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f']],
  ['a[', []],
  ['a[^', ['ab', 'ac']],
  ['a[b', ['ab']],
  ['[[]', ['[']],
  ['[*]', ['*']],
  ['[?]', ['?']],
  ['\\', ['\\']],
  ['a\\', []],
  ['\\\\', ['\\']],
  ['\\*', ['*']],
  ['*\\', ['\\', '\\\\']],
  ['a\\*b', ['a*b']],
  ['a\\?b', ['a?b']],
  ['a\\[b', ['a[b']],
  ['\\a', ['a']],
  ['[\\-]', ['-']],
  ['[a\\-z]', ['a', '-', 'z']],
  ['a[\\-]b', ['a-b']],
  ['[\x80-\xff]', ['\xff', '\x80']],
  ['[a-\xff]', ['a', 'A', '\\', '*', '?', '[', ']', '^', '-', 'Z', '_', '\x00', '\xff']],
  ['[\x00-a]', ['a', 'A', '\\', '*', '?', '[', ']', '^', '-', 'Z', '_', '\x00']],
  ['[\x7f-\x80]', ['a', 'b', 'A', '\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\x00', '\xff', '\x80', '\x7f']],
  ['[^\x00]', ['a', 'b', 'A', '\\', '*', '?', '[', ']', '^', '-', 'z', 'Z', '_', '\xff', '\x80', '\x7f']],
  ['\x00*', ['\x00']],
  ['*\xff', ['\xff']],
  ['a\x00b', ['a\x00b']],
  ['a?b', ['a*b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a-b', 'a\x00b']],
  ['*:*', ['foo:', 'foo:bar', 'user:1:name', 'user::name']],
  ['foo:*', ['foo:', 'foo:bar']],
  ['foo*', ['foo', 'foo:', 'foo:bar']],
  ['user:*:name', ['user:1:name', 'user::name']],
  ['user:?:name', ['user:1:name']],
  ['x-y', ['x-y']],
  ['[x]-y', ['x-y']],
  ['*[', []],
  ['[a-z]*[a-z]', ['ab', 'abc', 'aXc', 'ac', 'abbc', 'hello', 'hallo', 'hxllo', 'heeello', 'hllo', 'a*b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a-b', 'a\x00b', 'foo', 'foo:bar', 'user:1:name', 'user::name', 'x-y']],
]

// Recorded from redis-server 7.0.15 with COMMAND LIST FILTERBY PATTERN (stringmatchlen with nocase):
// whether the pattern selected `get` and `config|get`.
const nocase: [string, boolean, boolean][] = [
  ['GET', true, false],
  ['get', true, false],
  ['G?T', true, false],
  ['G*', true, false],
  ['*ET', true, true],
  ['[F-H]ET', true, false],
  ['[f-h]et', true, false],
  ['[^G]ET', false, false],
  ['[g-g]ET', true, false],
  ['\\GET', true, false],
  ['[\\G]ET', false, false],
  ['[\\g]ET', true, false],
  ['[Z-a]ET', false, false],
  ['[a-Z]ET', false, false],
  ['[A-z]ET', true, false],
  ['[_-h]et', true, false],
  ['GET*', true, false],
  ['GE', false, false],
  ['CONFIG|GET', false, true],
  ['config|G*', false, true],
  ['CONFIG[|]GET', false, true],
]

/** Bytes that exercise every special character, the signed-char edges and case. */
const patternByte = fc.constantFrom('a', 'b', 'A', 'z', '*', '*', '?', '[', ']', '^', '-', '\\', '\x00', '\x7f', '\x80', '\xff')
const subjectByte = fc.constantFrom('a', 'b', 'A', 'Z', 'z', ']', '-', '^', '\\', '*', '\x00', '\x7f', '\x80', '\xff')
const patternArb = fc.string({ unit: patternByte, maxLength: 10 }).map(b)
const subjectArb = fc.string({ unit: subjectByte, maxLength: 8 }).map(b)

/** A pattern that matches `subject` by construction: each byte becomes one of several equivalents. */
const matchingPattern = (subject: string) =>
  fc
    .array(fc.integer({ min: 0, max: 5 }), { minLength: subject.length, maxLength: subject.length })
    .map((choices) =>
      [...subject]
        .map((c, i) => {
          switch (choices[i]) {
            case 0:
              return '*?[\\'.includes(c) ? `\\${c}` : c
            case 1:
              return `\\${c}`
            case 2:
              return '?'
            case 3:
              return '*'
            case 4:
              return `[\\${c}]`
            default:
              // No subject byte is q.
              return '[^q]'
          }
        })
        .join(''),
    )

describe('glob', () => {
  describe('compileGlob', () => {
    for (const [pattern, matches] of table) {
      it(`${JSON.stringify(pattern)} matches what Redis matches`, () => {
        const m = compileGlob(b(pattern))
        const got = subjects.filter((s) => m(b(s)))
        expect(got).to.deep.equal(matches)
      })
    }

    for (const [pattern, get, configGet] of nocase) {
      it(`${JSON.stringify(pattern)} with nocase matches what Redis matches`, () => {
        const m = compileGlob(b(pattern), true)
        expect([m(b('get')), m(b('config|get'))]).to.deep.equal([get, configGet])
      })
    }

    it('agrees with the port of Redis\'s recursive matcher on random patterns and subjects', () => {
      fc.assert(
        fc.property(patternArb, fc.array(subjectArb, { maxLength: 20 }), fc.boolean(), (pattern, subjects, nc) => {
          const m = compileGlob(pattern, nc)
          for (const s of subjects) {
            // The bare `*` is the one documented departure: it also matches the empty subject.
            const expected = pattern.equals(b('*')) ? true : reference(pattern, s, nc)
            expect(m(s), `${JSON.stringify(pattern.toString('latin1'))} ~ ${JSON.stringify(s.toString('latin1'))}`).to.equal(expected)
          }
        }),
        { numRuns: 3000 },
      )
    })

    it('the reference port itself agrees with the recorded Redis table', () => {
      for (const [pattern, matches] of table) {
        if (pattern === '*') continue
        expect(subjects.filter((s) => reference(b(pattern), b(s), false))).to.deep.equal(matches)
      }
    })

    it('matches every subject through patterns built to match it', () => {
      fc.assert(
        fc.property(
          fc.string({ unit: subjectByte, maxLength: 10 }).chain((s) => fc.tuple(fc.constant(s), matchingPattern(s))),
          ([subject, pattern]) => {
            expect(compileGlob(b(pattern))(b(subject)), `${JSON.stringify(pattern)} ~ ${JSON.stringify(subject)}`).to.equal(true)
          },
        ),
        { numRuns: 2000 },
      )
    })

    it('finishes quickly on patterns that make naive backtracking exponential', () => {
      const started = performance.now()
      expect(compileGlob(b('a*'.repeat(2000) + 'b'))(b('a'.repeat(10_000)))).to.equal(false)
      expect(compileGlob(b('*a'.repeat(30) + '*b'))(b('a'.repeat(100_000)))).to.equal(false)
      expect(performance.now() - started).to.be.below(2_000)
    })

    // Recorded from redis-server 7.0.15: KEYS over one key of 1200 a's.
    it('finds no match past Redis\'s nesting limit of 1000 stars followed by more pattern', () => {
      const subject = b('a'.repeat(1200))
      expect(compileGlob(b('*a'.repeat(1000)))(subject)).to.equal(true)
      expect(compileGlob(b('*a'.repeat(1001)))(subject)).to.equal(false)
      expect(compileGlob(b('*a'.repeat(1100)))(subject)).to.equal(false)
      // A trailing star is no level: Redis returns a match there without recursing.
      expect(compileGlob(b('*a'.repeat(1000) + '*'))(subject)).to.equal(true)
      expect(compileGlob(b('a*'.repeat(1001)))(subject)).to.equal(true)
      // A run of stars is one level.
      expect(compileGlob(b('**a'.repeat(1000)))(subject)).to.equal(true)
    })

    it('agrees with the reference port around the nesting limit', () => {
      const arb = fc.tuple(fc.integer({ min: 995, max: 1005 }), fc.constantFrom('a', '?', '[ab]', 'b'), fc.constantFrom('', '*', 'a', 'b'), fc.integer({ min: 990, max: 1010 }))
      fc.assert(
        fc.property(arb, ([stars, element, tail, length]) => {
          const pattern = b(`*${element}`.repeat(stars) + tail)
          const subject = b('a'.repeat(length))
          expect(compileGlob(pattern)(subject), `${stars} *${element} then ${tail} ~ ${length} a's`).to.equal(reference(pattern, subject, false))
        }),
        { numRuns: 200 },
      )
    })

    it('compiles only as much of a huge pattern as matching reaches', () => {
      const started = performance.now()
      // Two million classes, and a literal pattern of 64 MB: neither reached beyond a few bytes.
      expect(compileGlob(b('[]'.repeat(2_000_000)))(b('abc'))).to.equal(false)
      expect(compileGlob(b('[a-z]'.repeat(1_000_000)))(b('abc'))).to.equal(false)
      expect(compileGlob(Buffer.alloc(64 << 20, 0x61))(b('abc'))).to.equal(false)
      // One class of a million ranges, reached: each distinct range is marked once.
      expect(compileGlob(b('[' + 'a-b'.repeat(1_000_000) + ']'))(b('b'))).to.equal(true)
      expect(performance.now() - started).to.be.below(2_000)
    })
  })

  describe('literalPrefix', () => {
    for (const [pattern, prefix] of [
      ['', ''],
      ['*', ''],
      ['foo:*', 'foo:'],
      ['user:?:name', 'user:'],
      ['a[bc]', 'a'],
      ['plain', 'plain'],
      ['a\\*b*', 'a*b'],
      ['a\\[b?', 'a[b'],
      ['\\', '\\'],
      ['a\\', 'a\\'],
      ['\\\\x', '\\x'],
      ['\xff\x00*', '\xff\x00'],
    ] as const) {
      it(`of ${JSON.stringify(pattern)} is ${JSON.stringify(prefix)}`, () => {
        expect(literalPrefix(b(pattern)).toString('latin1')).to.equal(prefix)
      })
    }

    it('is a prefix of every subject the pattern matches', () => {
      const arb = fc.oneof(
        fc.tuple(patternArb, subjectArb),
        fc
          .string({ unit: subjectByte, maxLength: 10 })
          .chain((s) => fc.tuple(matchingPattern(s).map(b), fc.constant(b(s)))),
      )
      fc.assert(
        fc.property(arb, ([pattern, subject]) => {
          if (!compileGlob(pattern)(subject)) return
          const prefix = literalPrefix(pattern)
          expect(subject.subarray(0, prefix.length).equals(prefix)).to.equal(true)
        }),
        { numRuns: 5000 },
      )
    })
  })
})
