// slowlogArgs: the arguments a SLOWLOG entry keeps, as Redis's slowlogCreateEntry cuts them.

import { expect } from 'chai'
import { SLOWLOG_MAX_ARGC, SLOWLOG_MAX_STRING, slowlogArgs } from '../../../src/actors/slowlog.js'

const texts = (argv: Buffer[]): string[] => argv.map((b) => b.toString('latin1'))
const args = (...words: string[]): Buffer[] => words.map((w) => Buffer.from(w, 'latin1'))

describe('slowlogArgs', () => {
  it('keeps a short command as it is, as copies', () => {
    const argv = args('SET', 'k', 'v')
    const kept = slowlogArgs(argv)
    expect(texts(kept)).to.deep.equal(['SET', 'k', 'v'])
    argv[1]!.fill(0)
    expect(texts(kept)[1]).to.equal('k')
  })

  it('keeps 32 arguments, the last saying how many more there were', () => {
    const argv = args('DEL', ...Array.from({ length: 40 }, (_, i) => `k${i}`))
    const kept = texts(slowlogArgs(argv))
    expect(kept).to.have.length(SLOWLOG_MAX_ARGC)
    expect(kept[30]).to.equal('k29')
    expect(kept[31]).to.equal('... (10 more arguments)')
    expect(texts(slowlogArgs(args('DEL', ...Array.from({ length: 31 }, (_, i) => `k${i}`))))).to.have.length(32)
  })

  it('cuts a string over 128 bytes, saying how many bytes more', () => {
    const kept = texts(slowlogArgs(args('SET', 'k', 'x'.repeat(129), 'y'.repeat(128))))
    expect(kept[2]).to.equal('x'.repeat(SLOWLOG_MAX_STRING) + '... (1 more bytes)')
    expect(kept[3]).to.equal('y'.repeat(128))
  })

  it('redacts the positions given', () => {
    expect(texts(slowlogArgs(args('AUTH', 'user', 'pw'), [1, 2]))).to.deep.equal(['AUTH', '(redacted)', '(redacted)'])
  })
})
