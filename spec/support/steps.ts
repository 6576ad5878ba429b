// Scripts over two connections for differential specs: each step names the connection that
// sends it, and every reply is read before the next step, so the two servers see the same order.

import { expect } from 'chai'
import { rawClient, replies, type RawClient } from './raw.js'
import { encodeCommand, shown } from './big-strings.js'

/** A step: the connection that sends it (0 or 1), and the command line, split at spaces. */
export type Step = readonly [connection: 0 | 1, line: string] | string

export const stepOf = (step: Step): readonly [0 | 1, string[]] =>
  typeof step === 'string' ? [0, step.split(' ')] : [step[0], step[1].split(' ')]

/** HELLO's reply with its client id zeroed: the two servers number their connections apart. */
const helloIdMasked = (reply: Buffer): Buffer =>
  Buffer.from(reply.toString('latin1').replace(/(\$2\r\nid\r\n):\d+\r\n/g, '$1:0\r\n'), 'latin1')

/**
 * Sends each command and waits for its reply before the next, on two connections after `HELLO
 * resp` and a FLUSHALL; returns each reply's bytes (`SLEEP ms` steps wait and reply nothing).
 */
export const runSteps = async (port: number, resp: string, steps: readonly Step[]): Promise<Buffer[]> => {
  const connections: RawClient[] = [await rawClient(port), await rawClient(port)]
  try {
    for (const c of connections) {
      c.send(encodeCommand(['HELLO', resp]))
      await c.read(replies(1))
    }
    const out: Buffer[] = []
    for (const step of [[0, 'FLUSHALL'] as const, ...steps]) {
      const [i, argv] = stepOf(step)
      if (argv[0] === 'SLEEP') {
        await new Promise((r) => setTimeout(r, Number(argv[1])))
        continue
      }
      connections[i]!.send(encodeCommand(argv))
      out.push(helloIdMasked(await connections[i]!.read(replies(1))))
    }
    return out.slice(1)
  } finally {
    for (const c of connections) c.socket.destroy()
  }
}

/** Runs `steps` on both servers and fails at the first reply whose bytes differ. */
export const expectSameReplies = async (redisPort: number, ourPort: number, resp: string, steps: readonly Step[]): Promise<void> => {
  const [theirs, mine] = await Promise.all([runSteps(redisPort, resp, steps), runSteps(ourPort, resp, steps)])
  const commands = steps.map(stepOf).filter(([, argv]) => argv[0] !== 'SLEEP')
  for (let i = 0; i < commands.length; i++) {
    if (!theirs[i]!.equals(mine[i]!)) {
      const [c, argv] = commands[i]!
      expect.fail(`step ${i} (connection ${c}): ${shown(argv)}\n  redis: ${shown(theirs[i]!)}\n  ours:  ${shown(mine[i]!)}`)
    }
  }
}
