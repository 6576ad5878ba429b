// DEBUG STRINGMATCH-TEST
import { simple, type Reply } from '../../protocol/reply.js'
import { compileGlob } from '../../storage/glob.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { DEBUG_FLAGS } from './debug-flags.js'

const PASSED = simple('Apparently Redis did not crash: test passed')

/** Random bytes of length 0..n-1 drawn from a small alphabet, glob characters included. */
const randomBytes = (n: number): Buffer => {
  const alphabet = Buffer.from('ab*?[]^-\\')
  const out = Buffer.alloc(Math.floor(Math.random() * n))
  for (let i = 0; i < out.length; i++) out[i] = alphabet[Math.floor(Math.random() * alphabet.length)]!
  return out
}

export const debugStringmatchTest: CommandSpec = {
  name: 'debug|stringmatch-test',
  arity: 2,
  flags: DEBUG_FLAGS,
  keys: NO_KEYS,
  group: 'server',
  summary: 'Run a fuzz tester against the glob matcher',
  since: '6.0.0',
  complexity: 'O(1)',
  /** Redis's stringmatchlen_fuzz_test: random patterns against random strings; passing is not crashing. */
  execute(): Reply {
    for (let i = 0; i < 1000; i++) compileGlob(randomBytes(32))(randomBytes(32))
    return PASSED
  },
}
