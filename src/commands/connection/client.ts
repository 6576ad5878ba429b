// CLIENT subcommand [argument ...]
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { clientCaching } from './client-caching.js'
import { clientGetname } from './client-getname.js'
import { clientGetredir } from './client-getredir.js'
import { clientHelp } from './client-help.js'
import { clientId } from './client-id.js'
import { clientInfo } from './client-info.js'
import { clientKill } from './client-kill.js'
import { clientList } from './client-list.js'
import { clientNoEvict } from './client-no-evict.js'
import { clientNoTouch } from './client-no-touch.js'
import { clientPause } from './client-pause.js'
import { clientReply } from './client-reply.js'
import { clientSetinfo } from './client-setinfo.js'
import { clientSetname } from './client-setname.js'
import { clientTracking } from './client-tracking.js'
import { clientTrackinginfo } from './client-trackinginfo.js'
import { clientUnblock } from './client-unblock.js'
import { clientUnpause } from './client-unpause.js'

export const client: CommandSpec = {
  name: 'client',
  arity: -2,
  flags: [],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'A container for client connection commands',
  since: '2.4.0',
  complexity: 'Depends on subcommand.',
  subcommands: [
    clientCaching, clientGetname, clientGetredir, clientHelp, clientId, clientInfo, clientKill, clientList,
    clientNoEvict, clientNoTouch, clientPause, clientReply, clientSetinfo, clientSetname, clientTracking,
    clientTrackinginfo, clientUnblock, clientUnpause,
  ],
}
