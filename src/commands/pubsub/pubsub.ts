// PUBSUB <CHANNELS | NUMSUB | NUMPAT | SHARDCHANNELS | SHARDNUMSUB | HELP> [argument ...]
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { pubsubChannels } from './pubsub-channels.js'
import { pubsubHelp } from './pubsub-help.js'
import { pubsubNumpat } from './pubsub-numpat.js'
import { pubsubNumsub } from './pubsub-numsub.js'
import { pubsubShardChannels } from './pubsub-shardchannels.js'
import { pubsubShardNumsub } from './pubsub-shardnumsub.js'

export const pubsub: CommandSpec = {
  name: 'pubsub',
  arity: -2,
  flags: [],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'A container for Pub/Sub commands',
  since: '2.8.0',
  complexity: 'Depends on subcommand.',
  subcommands: [pubsubChannels, pubsubHelp, pubsubNumpat, pubsubNumsub, pubsubShardChannels, pubsubShardNumsub],
}
