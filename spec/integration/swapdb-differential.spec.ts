// Differential spec for SWAPDB: scripts over two connections go to a private redis-server and to
// this server, in RESP2 and RESP3, and every reply's bytes must be identical: the argument errors,
// the exchanged contents as DBSIZE, INFO keyspace and reads see them, connections SELECTed into
// either database, WATCH (the cases of Redis's multi.tcl, stale keys included), SWAPDB inside a
// transaction, and expiry in both databases after a swap. Both servers run with DEBUG enabled
// (DEBUG SET-ACTIVE-EXPIRE). Skipped where redis-server is not installed.

import { serverPair } from '../support/redis-server.js'
import { expectSameReplies, type Step } from '../support/steps.js'

const scripts: Record<string, readonly Step[]> = {
  'arguments and errors, in Redis 7.0\'s order': [
    'SWAPDB', 'SWAPDB 0', 'SWAPDB 0 1 2', 'SWAPDB abc 1', 'SWAPDB 1 abc', 'SWAPDB abc def', 'SWAPDB abc 99',
    'SWAPDB 99 abc', 'SWAPDB 99999999999 1', 'SWAPDB 1 2147483648', 'SWAPDB 2147483647 0', 'SWAPDB -2147483649 0',
    'SWAPDB -1 1', 'SWAPDB 1 -1', 'SWAPDB 16 0', 'SWAPDB 0 16', 'SWAPDB 1.5 0', 'SWAPDB 0x1 0', 'SWAPDB 0 0',
    'SWAPDB 15 0', 'SWAPDB 0 15', 'COMMAND INFO SWAPDB', 'COMMAND DOCS SWAPDB', 'COMMAND GETKEYS SWAPDB 0 1',
  ],
  'the two databases exchange contents: reads, DBSIZE, INFO keyspace, and back': [
    'MSET a 1 b 2', 'SELECT 1', 'SET c 3', 'SELECT 0', 'SWAPDB 0 1', 'DBSIZE', 'EXISTS a b c', 'GET c', 'SELECT 1',
    'MGET a b c', 'DBSIZE', 'INFO keyspace', 'SWAPDB 1 5', 'DBSIZE', 'SELECT 5', 'MGET a b c', 'INFO keyspace',
    'SWAPDB 5 1', 'SWAPDB 0 1', 'SELECT 0', 'MGET a b c', 'INFO keyspace', 'SWAPDB 3 4', 'INFO keyspace',
  ],
  'Redis\'s "Coverage: SWAPDB and FLUSHDB"': [
    'SET swapkey v1', 'SELECT 1', 'SET swapkey1 v1', 'INFO keyspace', 'SWAPDB 0 2', 'SELECT 0', 'DBSIZE',
    'INFO keyspace', 'SELECT 2', 'FLUSHDB', 'DBSIZE', 'INFO keyspace', 'SELECT 1', 'GET swapkey1',
  ],
  'connections SELECTed into either database see the other\'s contents': [
    [1, 'SELECT 1'], 'SET x in-db0', [1, 'SET x in-db1'], 'SWAPDB 0 1', 'GET x', [1, 'GET x'], [1, 'SWAPDB 1 2'],
    [1, 'GET x'], 'GET x', [1, 'SET x new-db1'], [1, 'SELECT 2'], [1, 'GET x'], 'SELECT 1', 'GET x', [1, 'SWAPDB 2 1'],
    'GET x', [1, 'GET x'], [1, 'MOVE x 0'], 'SELECT 0', 'GET x', [1, 'COPY nothing x DB 0'],
  ],
  'WATCH: keys that exist in either database are touched, watches stay with the database index': [
    'SET x 30', 'WATCH x', [1, 'SWAPDB 0 1'], 'MULTI', 'PING', 'EXEC',
    'FLUSHALL', 'SELECT 1', 'SET x 30', 'SELECT 0', 'WATCH x', [1, 'SWAPDB 0 1'], 'MULTI', 'PING', 'EXEC',
    'FLUSHALL', 'WATCH x', [1, 'SWAPDB 0 1'], 'MULTI', 'PING', 'EXEC',
    'SELECT 2', 'SET y 1', 'WATCH y', [1, 'SWAPDB 0 1'], 'MULTI', 'PING', 'EXEC', 'SELECT 0',
    'WATCH z', [1, 'SWAPDB 0 1'], [1, 'SET z 1'], 'MULTI', 'PING', 'EXEC',
    'FLUSHALL', 'WATCH z', [1, 'SWAPDB 0 1'], [1, 'SELECT 1'], [1, 'SET z 1'], 'MULTI', 'PING', 'EXEC', [1, 'SELECT 0'],
    'FLUSHALL', 'SET w 1', 'WATCH w', [1, 'SWAPDB 5 5'], 'MULTI', 'PING', 'EXEC',
  ],
  'WATCH: stale keys (multi.tcl, active expiry off)': [
    'DEBUG SET-ACTIVE-EXPIRE 0',
    'SELECT 1', 'SET x foo PX 1', 'SLEEP 10', 'WATCH x', 'SWAPDB 0 1', 'MULTI', 'PING', 'EXEC',
    'FLUSHALL', 'SELECT 0', 'SET x foo PX 1', 'SLEEP 10', 'SELECT 1', 'WATCH x', 'SWAPDB 0 1', 'MULTI', 'PING', 'EXEC',
    'FLUSHALL', 'SELECT 1', 'SET x foo PX 1', 'SELECT 0', 'SET x bar PX 1', 'SLEEP 10', 'SELECT 1', 'WATCH x',
    'SWAPDB 0 1', 'MULTI', 'PING', 'EXEC',
    'FLUSHALL', 'SELECT 0', 'SET x foo PX 1', 'SLEEP 10', 'SELECT 1', 'WATCH x', 'SWAPDB 0 1', [1, 'SELECT 1'],
    [1, 'SET x live'], 'MULTI', 'PING', 'EXEC',
    'FLUSHALL', 'SELECT 0', 'SET x foo PX 1', 'SELECT 1', 'SET x live', 'SLEEP 10', 'WATCH x', 'SWAPDB 0 1', 'MULTI', 'PING', 'EXEC',
    'DEBUG SET-ACTIVE-EXPIRE 1',
  ],
  'SWAPDB queued in a transaction: the commands after it run in the swapped databases': [
    'SET a 0', 'SELECT 1', 'SET a 1', 'SELECT 0', 'MULTI', 'GET a', 'SWAPDB 0 1', 'GET a', 'SELECT 1', 'GET a',
    'SWAPDB 0 99', 'SWAPDB 1 0', 'GET a', 'EXEC', 'GET a', [1, 'GET a'], 'MULTI', 'SWAPDB x 1', 'EXEC', 'GET a',
  ],
  'expiry keeps working in both databases after a swap': [
    'SET e 1 PX 100', 'SET p 1', 'SELECT 1', 'SET f 1 PX 100', 'SWAPDB 0 1', 'SLEEP 500', 'DBSIZE', 'EXISTS e p f',
    'SELECT 0', 'DBSIZE', 'EXISTS e p f', 'SET g 1 PX 100', 'SWAPDB 0 1', 'SLEEP 500', 'DBSIZE', 'SELECT 1',
    'DBSIZE', 'EXISTS g p', 'EXPIRE p 100', 'SWAPDB 0 1', 'SELECT 0', 'TTL p', 'PERSIST p', 'TTL p',
  ],
}

describe('differential: SWAPDB against redis-server', function () {
  this.timeout(60_000)
  const debug = ['--enable-debug-command', 'yes']
  const servers = serverPair({ redisArgs: debug, ourArgs: debug })

  for (const [name, steps] of Object.entries(scripts)) {
    for (const resp of ['2', '3']) {
      it(`${name} (RESP${resp})`, () => expectSameReplies(servers.redis, servers.ours, resp, steps))
    }
  }
})
