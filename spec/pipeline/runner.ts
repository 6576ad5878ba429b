// A stand-in for the connection's CommandRunner, with just enough commands to drive the
// pipeline operators: PING, ECHO, HELLO [2|3] (switches the protocol), QUIT (closes).

import type { CommandRunner } from '../../src/pipeline/executeCommands.js'
import { OK, PONG, bulk, error, integer, record, type Reply } from '../../src/protocol/reply.js'

export class FakeRunner implements CommandRunner {
  resp: 2 | 3 = 2
  closeAfterReply = false
  readonly calls: string[] = []

  run(argv: Buffer[]): Reply {
    const [name, ...args] = argv.map((a) => a.toString('latin1'))
    this.calls.push([name, ...args].join(' '))
    switch (name!.toUpperCase()) {
      case 'PING':
        return PONG
      case 'ECHO':
        return bulk(argv[1]!)
      case 'HELLO':
        if (args[0] === '2' || args[0] === '3') this.resp = Number(args[0]) as 2 | 3
        return record({ server: bulk('redis'), proto: integer(this.resp) })
      case 'QUIT':
        this.closeAfterReply = true
        return OK
      default:
        return error(`ERR unknown command '${name}'`)
    }
  }
}

export const argv = (line: string): Buffer[] => line.split(' ').map((a) => Buffer.from(a, 'latin1'))
