// The command table: the only list of commands the server knows. Each entry is one module's
// spec; dispatch, COMMAND, and docs/commands.md all read from here.

import type { CommandSpec } from './spec.js'

// connection
import { auth } from './connection/auth.js'
import { client } from './connection/client.js'
import { echo } from './connection/echo.js'
import { hello } from './connection/hello.js'
import { ping } from './connection/ping.js'
import { quit } from './connection/quit.js'
import { reset } from './connection/reset.js'
import { select } from './connection/select.js'
// end connection

// server
import { acl } from './server/acl.js'
import { bgrewriteaof } from './server/bgrewriteaof.js'
import { bgsave } from './server/bgsave.js'
import { command } from './server/command.js'
import { config } from './server/config.js'
import { dbsize } from './server/dbsize.js'
import { debug } from './server/debug.js'
import { flushall } from './server/flushall.js'
import { flushdb } from './server/flushdb.js'
import { swapdb } from './server/swapdb.js'
import { info } from './server/info.js'
import { lastsave } from './server/lastsave.js'
import { latency } from './server/latency.js'
import { lolwut } from './server/lolwut.js'
import { memory } from './server/memory.js'
import { monitor } from './server/monitor.js'
import { readonly } from './server/readonly.js'
import { readwrite } from './server/readwrite.js'
import { role } from './server/role.js'
import { save } from './server/save.js'
import { shutdown } from './server/shutdown.js'
import { slowlog } from './server/slowlog.js'
import { time } from './server/time.js'
import { wait } from './server/wait.js'
// end server

// string
import { append } from './string/append.js'
import { bitcount } from './string/bitcount.js'
import { bitfield } from './string/bitfield.js'
import { bitfieldRo } from './string/bitfield-ro.js'
import { bitop } from './string/bitop.js'
import { bitpos } from './string/bitpos.js'
import { decr } from './string/decr.js'
import { decrby } from './string/decrby.js'
import { get } from './string/get.js'
import { getbit } from './string/getbit.js'
import { getdel } from './string/getdel.js'
import { getex } from './string/getex.js'
import { getrange } from './string/getrange.js'
import { getset } from './string/getset.js'
import { incr } from './string/incr.js'
import { incrby } from './string/incrby.js'
import { incrbyfloat } from './string/incrbyfloat.js'
import { lcs } from './string/lcs.js'
import { mget } from './string/mget.js'
import { mset } from './string/mset.js'
import { msetnx } from './string/msetnx.js'
import { psetex } from './string/psetex.js'
import { set } from './string/set.js'
import { setbit } from './string/setbit.js'
import { setex } from './string/setex.js'
import { setnx } from './string/setnx.js'
import { setrange } from './string/setrange.js'
import { strlen } from './string/strlen.js'
import { substr } from './string/substr.js'
// end string

// hash
import { hdel } from './hash/hdel.js'
import { hexists } from './hash/hexists.js'
import { hget } from './hash/hget.js'
import { hgetall } from './hash/hgetall.js'
import { hincrby } from './hash/hincrby.js'
import { hincrbyfloat } from './hash/hincrbyfloat.js'
import { hkeys } from './hash/hkeys.js'
import { hlen } from './hash/hlen.js'
import { hmget } from './hash/hmget.js'
import { hmset } from './hash/hmset.js'
import { hrandfield } from './hash/hrandfield.js'
import { hscan } from './hash/hscan.js'
import { hset } from './hash/hset.js'
import { hsetnx } from './hash/hsetnx.js'
import { hstrlen } from './hash/hstrlen.js'
import { hvals } from './hash/hvals.js'
// end hash

// hyperloglog
import { pfadd } from './hyperloglog/pfadd.js'
import { pfcount } from './hyperloglog/pfcount.js'
import { pfdebug } from './hyperloglog/pfdebug.js'
import { pfmerge } from './hyperloglog/pfmerge.js'
import { pfselftest } from './hyperloglog/pfselftest.js'
// end hyperloglog

// generic
import { copy } from './generic/copy.js'
import { del } from './generic/del.js'
import { dump } from './generic/dump.js'
import { exists } from './generic/exists.js'
import { expire } from './generic/expire.js'
import { expireat } from './generic/expireat.js'
import { expiretime } from './generic/expiretime.js'
import { keys } from './generic/keys.js'
import { move } from './generic/move.js'
import { object } from './generic/object.js'
import { persist } from './generic/persist.js'
import { pexpire } from './generic/pexpire.js'
import { pexpireat } from './generic/pexpireat.js'
import { pexpiretime } from './generic/pexpiretime.js'
import { pttl } from './generic/pttl.js'
import { randomkey } from './generic/randomkey.js'
import { rename } from './generic/rename.js'
import { renamenx } from './generic/renamenx.js'
import { restore } from './generic/restore.js'
import { scan } from './generic/scan.js'
import { touch } from './generic/touch.js'
import { ttl } from './generic/ttl.js'
import { typeCommand } from './generic/type.js'
import { unlink } from './generic/unlink.js'
// end generic

// pubsub
import { psubscribe } from './pubsub/psubscribe.js'
import { publish } from './pubsub/publish.js'
import { pubsub } from './pubsub/pubsub.js'
import { punsubscribe } from './pubsub/punsubscribe.js'
import { spublish } from './pubsub/spublish.js'
import { ssubscribe } from './pubsub/ssubscribe.js'
import { subscribe } from './pubsub/subscribe.js'
import { sunsubscribe } from './pubsub/sunsubscribe.js'
import { unsubscribe } from './pubsub/unsubscribe.js'
// end pubsub

// tenant
import { tenant } from './tenant/tenant.js'
// end tenant

// tiering
import { tiering } from './tiering/tiering.js'
// end tiering

// transactions
import { discard } from './transactions/discard.js'
import { exec } from './transactions/exec.js'
import { multi } from './transactions/multi.js'
import { unwatch } from './transactions/unwatch.js'
import { watch } from './transactions/watch.js'
// end transactions

export const commandSpecs: readonly CommandSpec[] = [
  // connection
  auth,
  client,
  echo,
  hello,
  ping,
  quit,
  reset,
  select,
  // end connection
  // server
  acl,
  bgrewriteaof,
  bgsave,
  command,
  config,
  dbsize,
  debug,
  flushall,
  flushdb,
  swapdb,
  info,
  lastsave,
  latency,
  lolwut,
  memory,
  monitor,
  readonly,
  readwrite,
  role,
  save,
  shutdown,
  slowlog,
  time,
  wait,
  // end server
  // string
  append,
  bitcount,
  bitfield,
  bitfieldRo,
  bitop,
  bitpos,
  decr,
  decrby,
  get,
  getbit,
  getdel,
  getex,
  getrange,
  getset,
  incr,
  incrby,
  incrbyfloat,
  lcs,
  mget,
  mset,
  msetnx,
  psetex,
  set,
  setbit,
  setex,
  setnx,
  setrange,
  strlen,
  substr,
  // end string
  // hash
  hdel,
  hexists,
  hget,
  hgetall,
  hincrby,
  hincrbyfloat,
  hkeys,
  hlen,
  hmget,
  hmset,
  hrandfield,
  hscan,
  hset,
  hsetnx,
  hstrlen,
  hvals,
  // end hash
  // hyperloglog
  pfadd,
  pfcount,
  pfdebug,
  pfmerge,
  pfselftest,
  // end hyperloglog
  // generic
  copy,
  del,
  dump,
  exists,
  expire,
  expireat,
  expiretime,
  keys,
  move,
  object,
  persist,
  pexpire,
  pexpireat,
  pexpiretime,
  pttl,
  randomkey,
  rename,
  renamenx,
  restore,
  scan,
  touch,
  ttl,
  typeCommand,
  unlink,
  // end generic
  // pubsub
  psubscribe,
  publish,
  pubsub,
  punsubscribe,
  spublish,
  ssubscribe,
  subscribe,
  sunsubscribe,
  unsubscribe,
  // end pubsub
  // tenant
  tenant,
  // end tenant
  // tiering
  tiering,
  // end tiering
  // transactions
  discard,
  exec,
  multi,
  unwatch,
  watch,
  // end transactions
]

/** Top-level commands by lowercase name. */
export const commandTable: ReadonlyMap<string, CommandSpec> = new Map(commandSpecs.map((s) => [s.name, s]))
