// Keyspace notifications (Redis 7.0's notify.c): with notify-keyspace-events on, a change to a
// key is published through the Pub/Sub hub on `__keyspace@<db>__:<key>` (payload: the event
// name) and on `__keyevent@<db>__:<event>` (payload: the key), in that order.
//
// Scoping: an event goes to the namespace of the tenant whose keyspace changed, with the
// database index the tenant SELECTs and the key as the tenant named it; a keyspace number's
// tenant part (store-keys.ts) never shows. Events are published when the change is made, as
// Redis's notifyKeyspaceEvent; a receiver queues them on its own output (PubSubHub.publish).
//
// Cost: every source of events tests `flags & class` first (one field read and one AND); with
// notify-keyspace-events empty, the default, that is all a change pays.
//
// Who emits what: the keyspace emits the events it alone can tell (`new` when a key is
// created, `expired` when an expired key is reclaimed, `keymiss` when a read finds nothing);
// each command emits its own events (`set`, `del`, `rename_from` …) through Keyspace.notify,
// because only the command knows the name Redis gives them. Records the LSM store drops from
// memory (maxmemory) are not Redis's `evicted` keys: their data stays on disk, so nothing is
// emitted for them.

import { tenantOfKeyspace } from './store-keys.js'

/** What events are published through: the Pub/Sub hub (actors/pubsub.ts), per tenant. */
export interface EventHub {
  /** Whether anything in the tenant's namespace is subscribed to. */
  namespace(tenant: string): object | undefined
  publish(tenant: string, channel: Buffer, payload: Buffer, shard: boolean): number
}

/** Redis's NOTIFY_* bits (server.h). */
export const NOTIFY_KEYSPACE = 1 << 0
export const NOTIFY_KEYEVENT = 1 << 1
export const NOTIFY_GENERIC = 1 << 2
export const NOTIFY_STRING = 1 << 3
export const NOTIFY_LIST = 1 << 4
export const NOTIFY_SET = 1 << 5
export const NOTIFY_HASH = 1 << 6
export const NOTIFY_ZSET = 1 << 7
export const NOTIFY_EXPIRED = 1 << 8
export const NOTIFY_EVICTED = 1 << 9
export const NOTIFY_STREAM = 1 << 10
export const NOTIFY_KEY_MISS = 1 << 11
export const NOTIFY_MODULE = 1 << 12
export const NOTIFY_NEW = 1 << 13
/** `A`: every class but key-miss and new, as Redis's NOTIFY_ALL. */
export const NOTIFY_ALL =
  NOTIFY_GENERIC | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE |
  NOTIFY_STRING | NOTIFY_LIST

const BY_CHARACTER: Readonly<Record<string, number>> = {
  A: NOTIFY_ALL,
  g: NOTIFY_GENERIC,
  $: NOTIFY_STRING,
  l: NOTIFY_LIST,
  s: NOTIFY_SET,
  h: NOTIFY_HASH,
  z: NOTIFY_ZSET,
  x: NOTIFY_EXPIRED,
  e: NOTIFY_EVICTED,
  K: NOTIFY_KEYSPACE,
  E: NOTIFY_KEYEVENT,
  t: NOTIFY_STREAM,
  m: NOTIFY_KEY_MISS,
  d: NOTIFY_MODULE,
  n: NOTIFY_NEW,
}

/** Redis's error text for a character that names no class (config.c). */
export const INVALID_EVENT_CLASS = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

/** notify-keyspace-events as Redis parses it (keyspaceEventsStringToFlags); undefined if invalid. */
export const parseEventFlags = (text: string): number | undefined => {
  let flags = 0
  for (const c of text) {
    const bits = BY_CHARACTER[c]
    if (bits === undefined) return undefined
    flags |= bits
  }
  return flags
}

/** The classes in Redis's rendering order (keyspaceEventsFlagsToString) when not all are set. */
const CLASS_ORDER: readonly (readonly [number, string])[] = [
  [NOTIFY_GENERIC, 'g'], [NOTIFY_STRING, '$'], [NOTIFY_LIST, 'l'], [NOTIFY_SET, 's'], [NOTIFY_HASH, 'h'],
  [NOTIFY_ZSET, 'z'], [NOTIFY_EXPIRED, 'x'], [NOTIFY_EVICTED, 'e'], [NOTIFY_STREAM, 't'], [NOTIFY_MODULE, 'd'],
  [NOTIFY_NEW, 'n'],
]

/** CONFIG GET's rendering, Redis's: `A` hides `n` (AKEn shows as AKE). */
export const formatEventFlags = (flags: number): string => {
  let out = ''
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) out = 'A'
  else for (const [bit, c] of CLASS_ORDER) if ((flags & bit) !== 0) out += c
  if ((flags & NOTIFY_KEYSPACE) !== 0) out += 'K'
  if ((flags & NOTIFY_KEYEVENT) !== 0) out += 'E'
  if ((flags & NOTIFY_KEY_MISS) !== 0) out += 'm'
  return out
}

/**
 * The server's notification switch and publisher, shared by every keyspace. `flags` is read on
 * every change: it is 0 (nothing emitted) unless notify-keyspace-events enables a class and K or
 * E, so that a keyspace's test needs no second one.
 */
export class KeyspaceEvents {
  /** The enabled classes, or 0 when no channel kind (K, E) or no class is enabled. */
  flags = 0
  private channels = 0

  constructor(
    private readonly hub: EventHub,
    /** The id of the tenant numbered `num` (its Pub/Sub namespace), undefined if it is gone. */
    private readonly tenantOf: (num: number) => string | undefined,
  ) {}

  /** Applies a value of notify-keyspace-events (already validated: parseEventFlags). */
  configure(flags: number): void {
    this.channels = flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)
    const classes = flags & ~(NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)
    this.flags = this.channels === 0 ? 0 : classes
  }

  /**
   * Publishes `event` about `key` of keyspace number `space`, which its tenant's database `db`
   * shows (the caller has tested `flags` for the event's class). Nothing is built when the tenant
   * has no subscriber at all.
   */
  emit(space: number, db: number, event: string, key: Buffer): void {
    const tenant = this.tenantOf(tenantOfKeyspace(space))
    if (tenant === undefined || this.hub.namespace(tenant) === undefined) return
    const name = Buffer.from(event, 'latin1')
    if ((this.channels & NOTIFY_KEYSPACE) !== 0) {
      this.hub.publish(tenant, Buffer.concat([Buffer.from(`__keyspace@${db}__:`, 'latin1'), key]), name, false)
    }
    if ((this.channels & NOTIFY_KEYEVENT) !== 0) {
      this.hub.publish(tenant, Buffer.from(`__keyevent@${db}__:${event}`, 'latin1'), key, false)
    }
  }
}

/** Events off: for keyspaces no server wires (tests, tools). */
export const NO_EVENTS: KeyspaceEvents = new KeyspaceEvents({ namespace: () => undefined, publish: () => 0 }, () => undefined)
