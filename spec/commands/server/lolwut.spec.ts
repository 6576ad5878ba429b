// LOLWUT: art for versions 5 and 6, then the version line; only the version line otherwise.

import { expect } from 'chai'
import { makeContext } from '../../support/context.js'

describe('LOLWUT', () => {
  it('versions 5 and 6 draw, and end with the version line; others print only it, as Redis', () => {
    const c = makeContext()
    for (const v of ['5', '6']) {
      const reply = c.run('LOLWUT', 'VERSION', v) as { kind: string; value: string }
      expect(reply.kind).to.equal('verbatim')
      expect(reply.value).to.match(/\n.*Redis ver\. 7\.0\.15\n$/s)
      expect(reply.value.split('\n').length).to.be.above(3)
    }
    expect(c.run('LOLWUT')).to.deep.include({ kind: 'verbatim', value: 'Redis ver. 7.0.15\n' })
    expect(c.run('LOLWUT', 'VERSION', '9')).to.deep.include({ kind: 'verbatim', value: 'Redis ver. 7.0.15\n' })
  })
})
