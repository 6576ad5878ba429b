// notify-keyspace-events as Redis parses and renders it, and what KeyspaceEvents publishes: the
// keyspace channel then the keyevent channel, to the tenant the keyspace number names, with the
// database index alone; nothing at all while no channel kind or no class is enabled.

import { expect } from 'chai'
import {
  formatEventFlags,
  KeyspaceEvents,
  NOTIFY_ALL,
  NOTIFY_GENERIC,
  NOTIFY_KEY_MISS,
  NOTIFY_KEYEVENT,
  NOTIFY_KEYSPACE,
  NOTIFY_NEW,
  NOTIFY_STRING,
  parseEventFlags,
  type EventHub,
} from '../../src/storage/keyspace-events.js'

const recordingHub = (subscribed: readonly string[]): EventHub & { published: string[] } => {
  const published: string[] = []
  return {
    published,
    namespace: (tenant) => (subscribed.includes(tenant) ? {} : undefined),
    publish: (tenant, channel, payload) => published.push(`${tenant} ${channel.toString('latin1')} ${payload.toString('latin1')}`),
  }
}

describe('keyspace events', () => {
  it('parses flags as Redis: A is every class but m and n, an unknown character is refused', () => {
    expect(parseEventFlags('')).to.equal(0)
    expect(parseEventFlags('KEA')).to.equal(NOTIFY_KEYSPACE | NOTIFY_KEYEVENT | NOTIFY_ALL)
    expect(parseEventFlags('Em$')).to.equal(NOTIFY_KEYEVENT | NOTIFY_KEY_MISS | NOTIFY_STRING)
    expect(parseEventFlags('n')).to.equal(NOTIFY_NEW)
    expect(parseEventFlags('KEQ')).to.equal(undefined)
    expect(parseEventFlags('kea')).to.equal(undefined)
  })

  it('renders flags as Redis: A for all classes (hiding n), then K, E, m', () => {
    const render = (s: string): string => formatEventFlags(parseEventFlags(s)!)
    expect(render('')).to.equal('')
    expect(render('EKA')).to.equal('AKE')
    expect(render('AKEmdn')).to.equal('AKEm')
    expect(render('gl$shzxet')).to.equal('g$lshzxet')
    expect(render('gl$shzxetd')).to.equal('A')
    expect(render('nd')).to.equal('dn')
    expect(render('zK')).to.equal('zK')
  })

  it('publishes the keyspace then the keyevent channel, to the tenant of the keyspace number', () => {
    const hub = recordingHub(['default', 't7'])
    const events = new KeyspaceEvents(hub, (num) => (num === 0 ? 'default' : num === 7 ? 't7' : undefined))
    events.configure(parseEventFlags('KEA')!)
    expect(events.flags & NOTIFY_GENERIC).to.not.equal(0)
    events.emit(3, 3, 'del', Buffer.from('k'))
    // The database that shows the keyspace names the channel (after a SWAPDB, not the keyspace's own).
    events.emit(7 * 65536 + 5, 2, 'set', Buffer.from('k'))
    // A tenant nobody subscribed in, or none at all (the registry's own keyspace): nothing.
    events.emit(8 * 65536, 0, 'set', Buffer.from('k'))
    expect(hub.published).to.deep.equal([
      'default __keyspace@3__:k del',
      'default __keyevent@3__:del k',
      't7 __keyspace@2__:k set',
      't7 __keyevent@2__:set k',
    ])
  })

  it('enables nothing without a channel kind or without a class', () => {
    const events = new KeyspaceEvents(recordingHub([]), () => 'default')
    events.configure(parseEventFlags('A')!)
    expect(events.flags).to.equal(0)
    events.configure(parseEventFlags('KE')!)
    expect(events.flags).to.equal(0)
    events.configure(parseEventFlags('K$')!)
    expect(events.flags).to.equal(NOTIFY_STRING)
  })
})
