// Differential spec for transactions: scripts of MULTI, EXEC, DISCARD, WATCH and UNWATCH cases
// (many ported from Redis's tests/unit/multi.tcl) go to a private redis-server and to this
// server, over raw sockets in RESP2 and RESP3, one command at a time over one or two
// connections, and every reply's bytes must be identical. Skipped where redis-server is not
// installed (CI installs it).

import { serverPair } from '../support/redis-server.js'
import { expectSameReplies, type Step } from '../support/steps.js'

const scripts: Record<string, readonly Step[]> = {
  'MULTI / EXEC basics': [
    'MULTI', 'SET a 1', 'INCR a', 'GET a', 'PING', 'ECHO x', 'EXEC', 'GET a',
    'MULTI', 'EXEC', 'EXEC', 'DISCARD', 'MULTI', 'SET a 2', 'DISCARD', 'GET a', 'UNWATCH',
  ],
  'nested MULTI and WATCH inside MULTI leave the transaction open and unflagged': [
    'MULTI', 'MULTI', 'WATCH x', 'SET x 1', 'EXEC', 'GET x',
  ],
  'SAVE saves, and is refused inside MULTI, flagging the transaction (multi.tcl "MULTI with SAVE")': [
    'SET a 1', 'SAVE', 'MULTI', 'SET foo bar', 'SAVE', 'EXEC', 'GET foo', 'MULTI', 'SAVE extra', 'EXEC',
  ],
  'errors while queueing abort EXEC': [
    'MULTI', 'SET a 1', 'NOSUCH x', 'EXEC', 'GET a',
    'MULTI', 'SET a', 'SET b 2', 'EXEC', 'EXISTS b',
    'MULTI', 'CONFIG NOSUCH', 'EXEC',
    'MULTI', 'SHUTDOWN', 'EXEC',
    'MULTI', 'EXEC extra', 'EXEC', 'MULTI', 'DISCARD extra', 'MULTI x', 'WATCH', 'EXEC',
  ],
  'runtime errors are elements of the array and the other commands run': [
    'SET s abc', 'MULTI', 'INCR s', 'SET t 1', 'INCRBY t x', 'GETRANGE s 0', 'INCR t', 'EXEC', 'MGET s t',
  ],
  'SELECT inside a transaction': [
    'MULTI', 'SELECT 1', 'SET a 2', 'SELECT 0', 'SET a x', 'SELECT 99', 'GET a', 'EXEC', 'GET a', 'SELECT 1', 'GET a',
  ],
  'RESET and QUIT inside MULTI': [
    'WATCH w', 'MULTI', 'SET a 1', 'RESET', 'EXEC', 'GET a', [1, 'SET w 2'], 'MULTI', 'EXEC',
  ],
  'AUTH and HELLO are queued and run at EXEC': [
    'MULTI', 'AUTH nobody pw', 'AUTH pw', 'HELLO 9', 'EXEC',
  ],
  'WATCH: a change by another connection fails EXEC with a null array': [
    'SET x 1', 'WATCH x', [1, 'SET x 2'], 'MULTI', 'PING', 'EXEC', 'GET x',
    'WATCH x', [1, 'GET x'], 'MULTI', 'PING', 'EXEC',
  ],
  'WATCH: this connection\'s own write before MULTI counts; UNWATCH forgets': [
    'WATCH x', 'SET x 1', 'MULTI', 'PING', 'EXEC',
    'WATCH x', 'SET x 2', 'UNWATCH', 'MULTI', 'PING', 'EXEC',
    'WATCH x', 'MULTI', 'SET x 3', 'EXEC', 'MULTI', 'PING', 'EXEC',
  ],
  'WATCH: each kind of change': [
    'MSET a 1 b 2 c 3 d 4 e 5',
    'WATCH a', [1, 'DEL a'], 'MULTI', 'EXEC',
    'WATCH b', [1, 'EXPIRE b 100'], 'MULTI', 'EXEC',
    'WATCH b', [1, 'PERSIST b'], 'MULTI', 'EXEC',
    'WATCH c', [1, 'RENAME c z'], 'MULTI', 'EXEC',
    'WATCH z', [1, 'RENAME d z'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'APPEND e x'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'SETRANGE e 0 y'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'COPY z e REPLACE'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'GETDEL e'], 'MULTI', 'EXEC',
    'WATCH n', [1, 'INCR n'], 'MULTI', 'EXEC',
    'WATCH n', [1, 'DEL nothing'], [1, 'EXPIRE nothing 5'], 'MULTI', 'EXEC',
    'WATCH m', [1, 'SET m 1 NX'], 'MULTI', 'EXEC',
    'WATCH m', [1, 'SET m 2 NX'], 'MULTI', 'EXEC',
  ],
  'WATCH: FLUSHDB and FLUSHALL break watches of existing keys only': [
    'SET x 1', 'WATCH x', [1, 'FLUSHDB'], 'MULTI', 'PING', 'EXEC',
    'WATCH x', [1, 'FLUSHDB'], 'MULTI', 'PING', 'EXEC',
    'SET x 1', 'WATCH x', [1, 'FLUSHALL'], 'MULTI', 'PING', 'EXEC',
    'SELECT 1', 'SET y 1', 'WATCH y', [1, 'FLUSHDB'], 'MULTI', 'PING', 'EXEC',
  ],
  'WATCH is per database': [
    'SET x 1', 'SELECT 1', 'WATCH x', [1, 'SET x 2'], 'MULTI', 'PING', 'EXEC',
    'WATCH x', [1, 'SELECT 1'], [1, 'SET x 2'], 'MULTI', 'PING', 'EXEC',
  ],
  'WATCH: expiry': [
    'SET x 1 PX 30', 'WATCH x', 'SLEEP 60', 'MULTI', 'PING', 'EXEC',
    'SET y 1 PX 30', 'SLEEP 60', 'WATCH y', 'MULTI', 'PING', 'EXEC',
    'SET y 1 PX 30', 'SLEEP 60', 'WATCH y', 'DEL y', 'MULTI', 'PING', 'EXEC',
    'SET y 1 PX 30', 'SLEEP 60', 'WATCH y', [1, 'SET y 2'], 'MULTI', 'PING', 'EXEC',
    'SET y 1 PX 30', 'SLEEP 60', 'WATCH y', [1, 'FLUSHDB'], 'MULTI', 'PING', 'EXEC',
  ],
  'EXEC unwatches, DISCARD unwatches, a failed EXEC unwatches': [
    'WATCH x', 'MULTI', 'EXEC', [1, 'SET x 1'], 'MULTI', 'PING', 'EXEC',
    'WATCH x', 'MULTI', 'DISCARD', [1, 'SET x 2'], 'MULTI', 'PING', 'EXEC',
    'WATCH x', [1, 'SET x 3'], 'MULTI', 'EXEC', 'MULTI', 'PING', 'EXEC',
    'WATCH x', 'MULTI', 'NOSUCH', 'EXEC', [1, 'SET x 4'], 'MULTI', 'PING', 'EXEC',
  ],
  'a transaction that reads and writes the same keys': [
    'MSET a 1 b 2', 'MULTI', 'GET a', 'SET a 10', 'GET a', 'APPEND a 0', 'GETSET a 5', 'RENAME a b', 'MGET a b',
    'DEL b', 'EXISTS b', 'SETNX b 7', 'INCRBYFLOAT b 0.5', 'EXEC',
  ],
  'WATCH: what changes nothing touches nothing, what does touches': [
    'SET e abc', 'WATCH e', [1, 'APPEND e ""'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'SETRANGE e 0 ""'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'GETEX e'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'GETEX e PERSIST'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'RENAME e e'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'COPY e e'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'INCR e'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'MSETNX e 1 f 2'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'EXPIRE e 100 XX'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'EXPIRE e 100 NX'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'EXPIRE e 50 GT'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'TOUCH e'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'SET e abc XX KEEPTTL'], 'MULTI', 'EXEC',
    'WATCH e', [1, 'EXPIRE e -1'], 'MULTI', 'EXEC',
    'WATCH g', [1, 'SETRANGE g 0 ""'], 'MULTI', 'EXEC',
    'WATCH g', [1, 'GETDEL g'], 'MULTI', 'EXEC',
    'WATCH g', [1, 'PEXPIREAT g 1'], 'MULTI', 'EXEC',
    'SET h 1', 'WATCH h', [1, 'PEXPIREAT h 1'], 'MULTI', 'EXEC',
    'SET h 1', 'WATCH h', [1, 'SELECT 3'], [1, 'FLUSHDB'], 'MULTI', 'EXEC',
    'WATCH h', [1, 'FLUSHALL ASYNC'], 'MULTI', 'EXEC',
  ],
  // Redis writes each queued command's reply as it runs, in the protocol then in force.
  'HELLO inside a transaction switches the protocol from its own reply on': [
    'MULTI', 'GET nokey', 'HELLO 3', 'GET nokey', 'HELLO 2', 'GET nokey', 'EXEC', 'GET nokey',
  ],
  'errorstats and commandstats of transactions': [
    'CONFIG RESETSTAT', 'MULTI', 'SET a 1', 'NOSUCH', 'EXEC', 'MULTI', 'INCR a', 'INCR a', 'EXEC', 'MULTI', 'EXEC extra',
    'INFO errorstats',
  ],
}

describe('differential: transactions, reply for reply against redis-server', function () {
  this.timeout(60_000)
  const servers = serverPair()

  for (const [name, steps] of Object.entries(scripts)) {
    for (const resp of ['2', '3']) {
      it(`${name} (RESP${resp})`, () => expectSameReplies(servers.redis, servers.ours, resp, steps))
    }
  }
})
