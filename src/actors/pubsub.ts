// The Pub/Sub hub: which connection listens to which channel or pattern, per tenant. Nothing here
// is persisted or logged: subscriptions live as long as their connection, and a message reaches
// the connections subscribed when it is published, or nobody.
//
// Scoping: each tenant (the admin's default tenant included) has a namespace of its own, a
// registry of channels, patterns and shard channels. A channel name is never prefixed: a
// tenant's PUBLISH looks only in its own namespace, so two tenants may use the same channel
// names without meeting, and PUBSUB CHANNELS lists a tenant's channels exactly as it named them.
//
// Delivery: a message is handed to each receiver (the connection), which queues it on its own
// output in order with its replies (Connection.deliver). The publisher never waits for it.

import { bulk, integer, NULL, push, sequence, type PushReply, type Reply } from '../protocol/reply.js'
import { compileGlob } from '../storage/glob.js'
import { inReadBuffer } from '../protocol/read-buffer.js'

/** Where a connection's Pub/Sub messages go: its output, after the replies already queued. */
export interface Receiver {
  deliver(message: Reply): void
}

/** The three kinds of subscription: channels and patterns share a count, shard channels have theirs. */
export type SubscriptionKind = 'channel' | 'pattern' | 'shard'

const SUBSCRIBE: Record<SubscriptionKind, Reply> = {
  channel: bulk('subscribe'),
  pattern: bulk('psubscribe'),
  shard: bulk('ssubscribe'),
}
const UNSUBSCRIBE: Record<SubscriptionKind, Reply> = {
  channel: bulk('unsubscribe'),
  pattern: bulk('punsubscribe'),
  shard: bulk('sunsubscribe'),
}
const MESSAGE = bulk('message')
const PMESSAGE = bulk('pmessage')
const SMESSAGE = bulk('smessage')

interface Pattern {
  readonly name: Buffer
  readonly matches: (channel: Buffer) => boolean
  readonly subscribers: Set<Subscriptions>
}

/** One tenant's channels, patterns and shard channels, each with its subscribers. */
export class Namespace {
  constructor(readonly tenant: string) {}

  readonly channels = new Map<string, Set<Subscriptions>>()
  readonly patterns = new Map<string, Pattern>()
  readonly shardChannels = new Map<string, Set<Subscriptions>>()

  get empty(): boolean {
    return this.channels.size === 0 && this.patterns.size === 0 && this.shardChannels.size === 0
  }
}

/**
 * One connection's subscriptions (Session.pubsub while it has any), by name as latin1 string,
 * each with its bytes as the client sent them (owned: never a view of a read buffer).
 */
export class Subscriptions {
  readonly channels = new Map<string, Buffer>()
  readonly patterns = new Map<string, Buffer>()
  readonly shardChannels = new Map<string, Buffer>()

  constructor(
    readonly namespace: Namespace,
    readonly receiver: Receiver,
  ) {}

  /** What (UN)SUBSCRIBE and (P)(UN)SUBSCRIBE answer with: channels plus patterns. */
  get count(): number {
    return this.channels.size + this.patterns.size
  }

  get total(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size
  }

  own(kind: SubscriptionKind): Map<string, Buffer> {
    return kind === 'channel' ? this.channels : kind === 'pattern' ? this.patterns : this.shardChannels
  }

  countOf(kind: SubscriptionKind): number {
    return kind === 'shard' ? this.shardChannels.size : this.count
  }
}

/** The part of a session the hub reads and changes. */
export interface Subscriber {
  pubsub: Subscriptions | undefined
  readonly tenant: { readonly id: string }
}

const owned = (b: Buffer): Buffer => (inReadBuffer(b) ? Buffer.from(b) : b)

export class PubSubHub {
  /** By tenant id; a namespace exists while something in it is subscribed to. */
  private readonly namespaces = new Map<string, Namespace>()

  namespace(tenant: string): Namespace | undefined {
    return this.namespaces.get(tenant)
  }

  /** SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE: one confirmation per name, with the count after it. */
  subscribe(session: Subscriber, receiver: Receiver, kind: SubscriptionKind, names: readonly Buffer[]): Reply {
    let subs = session.pubsub
    if (subs === undefined) {
      const id = session.tenant.id
      let ns = this.namespaces.get(id)
      if (ns === undefined) this.namespaces.set(id, (ns = new Namespace(id)))
      subs = session.pubsub = new Subscriptions(ns, receiver)
    }
    const ns = subs.namespace
    const mine = subs.own(kind)
    const replies: Reply[] = []
    for (const raw of names) {
      const key = raw.toString('latin1')
      let name = mine.get(key)
      if (name === undefined) {
        name = owned(raw)
        mine.set(key, name)
        if (kind === 'pattern') {
          let pattern = ns.patterns.get(key)
          if (pattern === undefined) {
            pattern = { name, matches: compileGlob(name), subscribers: new Set() }
            ns.patterns.set(key, pattern)
          }
          pattern.subscribers.add(subs)
        } else {
          const registry = kind === 'channel' ? ns.channels : ns.shardChannels
          let subscribers = registry.get(key)
          if (subscribers === undefined) registry.set(key, (subscribers = new Set()))
          subscribers.add(subs)
        }
      }
      replies.push(push([SUBSCRIBE[kind], bulk(name), integer(subs.countOf(kind))]))
    }
    return replies.length === 1 ? replies[0]! : sequence(replies)
  }

  /**
   * UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE: one confirmation per name (every current one without
   * names, or a single one naming none when there is none). The session leaves subscribed mode
   * once it has no subscription of any kind left.
   */
  unsubscribe(session: Subscriber, kind: SubscriptionKind, names: readonly Buffer[]): Reply {
    const subs = session.pubsub
    const replies: Reply[] = []
    const all = names.length === 0
    const targets = all ? [...(subs?.own(kind).values() ?? [])] : names
    for (const name of targets) {
      if (subs !== undefined) this.drop(subs, kind, name.toString('latin1'))
      replies.push(push([UNSUBSCRIBE[kind], bulk(name), integer(subs?.countOf(kind) ?? 0)]))
    }
    if (replies.length === 0) replies.push(push([UNSUBSCRIBE[kind], NULL, integer(0)]))
    if (subs !== undefined && subs.total === 0) this.release(session)
    return replies.length === 1 ? replies[0]! : sequence(replies)
  }

  /** Ends every subscription of the session without a word to it (RESET, close, another tenant). */
  unsubscribeAll(session: Subscriber): void {
    const subs = session.pubsub
    if (subs === undefined) return
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      for (const key of [...subs.own(kind).keys()]) this.drop(subs, kind, key)
    }
    this.release(session)
  }

  /**
   * PUBLISH and SPUBLISH: delivers to the tenant's subscribers of the channel, then (not for a
   * shard channel) to those of each matching pattern, once per pattern. Returns how many
   * deliveries were made, as Redis counts receivers.
   */
  publish(tenant: string, channel: Buffer, payload: Buffer, shard: boolean): number {
    const ns = this.namespaces.get(tenant)
    if (ns === undefined) return 0
    const key = channel.toString('latin1')
    const subscribers = (shard ? ns.shardChannels : ns.channels).get(key)
    const patterns = shard ? undefined : ns.patterns
    if (subscribers === undefined && (patterns === undefined || patterns.size === 0)) return 0
    // Copied once for every receiver: a view of the read buffer would not outlive this pass.
    let name: Buffer | undefined
    let message: Buffer | undefined
    let receivers = 0
    if (subscribers !== undefined) {
      name = owned(channel)
      message = owned(payload)
      const reply: PushReply = push([shard ? SMESSAGE : MESSAGE, bulk(name), bulk(message)])
      // Copied: a receiver closed by its output limit leaves the set while it is walked.
      for (const subs of [...subscribers]) {
        subs.receiver.deliver(reply)
        receivers++
      }
    }
    if (patterns !== undefined) {
      for (const pattern of [...patterns.values()]) {
        if (!pattern.matches(channel)) continue
        name ??= owned(channel)
        message ??= owned(payload)
        const reply: PushReply = push([PMESSAGE, bulk(pattern.name), bulk(name), bulk(message)])
        for (const subs of [...pattern.subscribers]) {
          subs.receiver.deliver(reply)
          receivers++
        }
      }
    }
    return receivers
  }

  private drop(subs: Subscriptions, kind: SubscriptionKind, key: string): void {
    if (!subs.own(kind).delete(key)) return
    const ns = subs.namespace
    if (kind === 'pattern') {
      const pattern = ns.patterns.get(key)
      pattern?.subscribers.delete(subs)
      if (pattern?.subscribers.size === 0) ns.patterns.delete(key)
    } else {
      const registry = kind === 'channel' ? ns.channels : ns.shardChannels
      const subscribers = registry.get(key)
      subscribers?.delete(subs)
      if (subscribers?.size === 0) registry.delete(key)
    }
  }

  /** Leaves subscribed mode; the tenant's namespace goes once nothing in it is subscribed to. */
  private release(session: Subscriber): void {
    const subs = session.pubsub
    if (subs === undefined || subs.total > 0) return
    session.pubsub = undefined
    if (subs.namespace.empty) this.namespaces.delete(subs.namespace.tenant)
  }
}
