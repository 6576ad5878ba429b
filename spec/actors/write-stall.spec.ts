// The write stall's bookkeeping: what writes wait for, when they are let go, and the time counted.

import { expect } from 'chai'
import { WriteStall } from '../../src/actors/eviction.js'

describe('WriteStall', () => {
  it('lets writes run at once until a stall begins', () => {
    const stall = new WriteStall()
    expect(stall.wait).to.equal(undefined)
    expect(stall.count).to.equal(0)
    expect(stall.stalledMs(1000)).to.equal(0)
  })

  it('holds every write of a stall on one promise and releases them when it ends', async () => {
    const stall = new WriteStall()
    stall.begin(100)
    const first = stall.wait
    stall.begin(150)
    expect(stall.wait).to.equal(first)
    expect(stall.count).to.equal(1)
    let released = false
    void first!.then(() => {
      released = true
    })
    await Promise.resolve()
    expect(released).to.equal(false)
    stall.end(400)
    await first
    expect(released).to.equal(true)
    expect(stall.wait).to.equal(undefined)
    expect(stall.stalledMs(1000)).to.equal(300)
  })

  it('counts the current stall up to now, and each stall once', () => {
    const stall = new WriteStall()
    stall.begin(0)
    stall.end(50)
    stall.end(80)
    stall.begin(100)
    expect(stall.count).to.equal(2)
    expect(stall.stalledMs(130)).to.equal(80)
  })

  it('counts the commands it holds, until it ends (eviction works harder only while some wait)', async () => {
    const stall = new WriteStall()
    stall.begin(0)
    expect(stall.held).to.equal(0)
    const held = [stall.hold(), stall.hold()]
    expect(stall.held).to.equal(2)
    stall.end(10)
    await Promise.all(held)
    expect(stall.held).to.equal(0)
    // Outside a stall, hold() neither waits nor counts.
    await stall.hold()
    expect(stall.held).to.equal(0)
  })
})
