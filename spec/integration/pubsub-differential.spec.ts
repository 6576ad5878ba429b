// Differential spec for Pub/Sub: scripts of SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their UNSUBSCRIBEs,
// PUBLISH, SPUBLISH and PUBSUB (many ported from Redis's tests/unit/pubsub.tcl and
// pubsubshard.tcl) go to a private redis-server and to this server, over raw sockets in RESP2
// and RESP3, and every reply's bytes must be identical: confirmations, messages (arrays in RESP2,
// pushes in RESP3), subscribed-mode refusals. Skipped where redis-server is not installed.
//
// Unsubscribing from several channels at once without naming them is left out: Redis answers in
// the order of its hash table, this server in the order of subscription.

import { expect } from 'chai'
import { rawClient, replies, type RawClient } from '../support/raw.js'
import { serverPair } from '../support/redis-server.js'
import { encodeCommand, shown } from '../support/big-strings.js'

/**
 * A step: the connection that sends it, the command line split at spaces, and how many replies
 * it answers with (1 unless given). `READ c n` sends nothing and reads n replies from connection
 * c (the messages a PUBLISH delivered there).
 */
type Step = readonly [connection: 0 | 1 | 2, line: string, count?: number] | string

const stepOf = (step: Step): readonly [number, string[], number] =>
  typeof step === 'string' ? [0, step.split(' '), 1] : [step[0], step[1].split(' '), step[2] ?? 1]

const helloIdMasked = (reply: Buffer): Buffer =>
  Buffer.from(reply.toString('latin1').replace(/(\$2\r\nid\r\n):\d+\r\n/g, '$1:0\r\n'), 'latin1')

const run = async (port: number, resp: string, steps: readonly Step[]): Promise<Buffer[]> => {
  const connections: RawClient[] = [await rawClient(port), await rawClient(port), await rawClient(port)]
  try {
    for (const c of connections) {
      c.send(encodeCommand(['HELLO', resp]))
      await c.read(replies(1))
    }
    const out: Buffer[] = []
    for (const step of steps) {
      const [i, argv, count] = stepOf(step)
      if (argv[0] === 'READ') {
        out.push(await connections[Number(argv[1])]!.read(replies(Number(argv[2]))))
        continue
      }
      // A literal "" is an empty argument.
      connections[i]!.send(encodeCommand(argv.map((a) => (a === '""' ? '' : a))))
      out.push(helloIdMasked(await connections[i]!.read(replies(count))))
    }
    return out
  } finally {
    for (const c of connections) c.socket.destroy()
  }
}

const scripts: Record<string, readonly Step[]> = {
  'PUBLISH/SUBSCRIBE basics (pubsub.tcl)': [
    [0, 'SUBSCRIBE chan1 chan2', 2],
    [1, 'PUBLISH chan1 hello'], 'READ 0 1',
    [1, 'PUBLISH chan2 world'], 'READ 0 1',
    [0, 'UNSUBSCRIBE chan1'],
    [1, 'PUBLISH chan1 hello'], [1, 'PUBLISH chan2 world'], 'READ 0 1',
    [0, 'UNSUBSCRIBE chan2'], [1, 'PUBLISH chan2 x'],
  ],
  'PUBLISH/SUBSCRIBE with two clients, and the same channel twice': [
    [0, 'SUBSCRIBE chan1'], [2, 'SUBSCRIBE chan1'], [1, 'PUBLISH chan1 hello'], 'READ 0 1', [2, 'READ 2 1'],
    [0, 'SUBSCRIBE chan1 chan1', 2], [1, 'PUBLISH chan1 again'], 'READ 0 1', [2, 'READ 2 1'],
  ],
  'UNSUBSCRIBE from non-subscribed channels, and with none at all': [
    'UNSUBSCRIBE', [0, 'UNSUBSCRIBE foo bar quux', 3], 'PUNSUBSCRIBE', [0, 'PUNSUBSCRIBE foo bar quux', 3],
    'SUNSUBSCRIBE', [0, 'SUNSUBSCRIBE foo bar', 2],
  ],
  'PSUBSCRIBE and pmessage (pubsub.tcl)': [
    [0, 'PSUBSCRIBE foo.* bar.*', 2],
    [1, 'PUBLISH foo.1 hello'], 'READ 0 1', [1, 'PUBLISH bar.1 hello'], 'READ 0 1',
    [1, 'PUBLISH foo1 hello'], [1, 'PUBLISH barfoo.1 hello'], [1, 'PUBLISH qux.1 hello'],
    [0, 'PUNSUBSCRIBE foo.*'], [1, 'PUBLISH foo.1 hello'], [1, 'PUBLISH bar.1 x'], 'READ 0 1',
    [0, 'PUNSUBSCRIBE bar.*'],
  ],
  'a channel and a matching pattern deliver twice, and count twice': [
    [0, 'SUBSCRIBE foo.bar'], [0, 'PSUBSCRIBE foo.*'], [2, 'PSUBSCRIBE *'],
    [1, 'PUBLISH foo.bar hi'], 'READ 0 2', [2, 'READ 2 1'], [1, 'PUBSUB NUMPAT'], [1, 'PUBSUB NUMSUB foo.bar nope'],
    [2, 'PSUBSCRIBE foo.*'], [1, 'PUBSUB NUMPAT'], [2, 'PUNSUBSCRIBE *'], [1, 'PUBSUB NUMPAT'],
    [1, 'PUBLISH foo.x y'], 'READ 0 1', [2, 'READ 2 1'],
  ],
  // One matching pattern per connection: Redis walks its patterns in hash-table order.
  'glob rules in patterns': [
    [0, 'PSUBSCRIBE h[ae]llo'], [2, 'PSUBSCRIBE h\\*llo'],
    [1, 'PUBLISH hello 1'], 'READ 0 1', [1, 'PUBLISH hallo 2'], 'READ 0 1', [1, 'PUBLISH h*llo 3'], [2, 'READ 2 1'],
    [1, 'PUBLISH hxllo 4'],
  ],
  'RESP2 subscribed mode: refusals, PING, then back to normal': [
    [0, 'SUBSCRIBE a'], 'GET x', 'SET x 1', 'PUBSUB NUMSUB a', 'ECHO x', 'MULTI', 'PUBLISH a b', 'SELECT 1',
    'PING', 'PING hi', 'PSUBSCRIBE p*', 'UNSUBSCRIBE', 'PING', 'GET x', 'PUNSUBSCRIBE', 'PING', 'GET x',
  ],
  'RESET leaves subscribed mode without confirmations': [
    [0, 'SUBSCRIBE a'], [0, 'PSUBSCRIBE b*'], 'RESET', 'PING', [1, 'PUBLISH a x'], [1, 'PUBSUB NUMPAT'],
  ],
  'PUBSUB CHANNELS, NUMSUB, NUMPAT, HELP and their errors': [
    [1, 'PUBSUB CHANNELS'], [0, 'SUBSCRIBE abc'], [2, 'SUBSCRIBE abc'], [1, 'PUBSUB CHANNELS'], [1, 'PUBSUB CHANNELS a*'],
    [1, 'PUBSUB CHANNELS x*'], [1, 'PUBSUB NUMSUB abc'], [1, 'PUBSUB NUMSUB'], [1, 'PUBSUB NUMPAT'], [1, 'PUBSUB HELP'],
    [1, 'PUBSUB CHANNELS a b'], [1, 'PUBSUB NUMPAT x'], [1, 'PUBSUB FOO'], [1, 'PUBSUB'], [1, 'SUBSCRIBE'],
    [1, 'PUBLISH a'], [1, 'PSUBSCRIBE'],
  ],
  'shard channels are a namespace of their own (pubsubshard.tcl)': [
    [0, 'SSUBSCRIBE ch1 ch2', 2], [0, 'SUBSCRIBE ch1'],
    [1, 'SPUBLISH ch1 hello'], 'READ 0 1', [1, 'PUBLISH ch1 world'], 'READ 0 1',
    [1, 'PUBSUB SHARDCHANNELS *1'], [1, 'PUBSUB SHARDCHANNELS *2'], [1, 'PUBSUB SHARDNUMSUB ch1 ch3'],
    [0, 'PSUBSCRIBE ch*'], [1, 'SPUBLISH ch2 x'], 'READ 0 1',
    [0, 'SUNSUBSCRIBE ch1'], [0, 'SUNSUBSCRIBE ch2'], [0, 'UNSUBSCRIBE ch1'], [0, 'PUNSUBSCRIBE ch*'], 'GET x',
  ],
  'SUBSCRIBE queues inside MULTI and runs at EXEC; SSUBSCRIBE is refused there': [
    'MULTI', 'SUBSCRIBE a b', 'SSUBSCRIBE c', [0, 'EXEC', 2], 'PING', [1, 'PUBLISH a x'], 'READ 0 1',
    [1, 'MULTI'], [1, 'PUBLISH a y'], [1, 'PUBLISH b z'], [1, 'EXEC'], 'READ 0 2',
  ],
  'a subscriber publishing to itself, and binary payloads': [
    [0, 'HELLO 3'], [0, 'SUBSCRIBE me'], [0, 'PUBLISH me hi', 2], [0, 'PUBLISH me ""', 2], [0, 'PSUBSCRIBE m?'],
    [0, 'PUBLISH me x', 3], [0, 'GET x'], [0, 'UNSUBSCRIBE me'], [0, 'PUNSUBSCRIBE m?'],
  ],
}

describe('differential: Pub/Sub, reply for reply against redis-server', function () {
  this.timeout(60_000)
  const servers = serverPair()

  for (const [name, steps] of Object.entries(scripts)) {
    for (const resp of ['2', '3']) {
      it(`${name} (RESP${resp})`, async () => {
        const theirs = await run(servers.redis, resp, steps)
        const mine = await run(servers.ours, resp, steps)
        for (let i = 0; i < steps.length; i++) {
          if (!theirs[i]!.equals(mine[i]!)) {
            const [c, argv] = stepOf(steps[i]!)
            expect.fail(`step ${i} (connection ${c}): ${shown(argv)}\n  redis: ${shown(theirs[i]!)}\n  ours:  ${shown(mine[i]!)}`)
          }
        }
      })
    }
  }
})
