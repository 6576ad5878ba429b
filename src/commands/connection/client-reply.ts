// CLIENT REPLY <ON | OFF | SKIP>
import { OK, NO_REPLY, Errors, type Reply } from '../../protocol/reply.js'
import { is } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS, REPLY_OFF, REPLY_SKIP_NEXT } from '../spec.js'

export const clientReply: CommandSpec = {
  name: 'client|reply',
  arity: 3,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: "Instruct the server whether to reply to commands",
  since: '3.2.0',
  complexity: 'O(1)',
  syntax: '<ON | OFF | SKIP>',
  /**
   * ON answers OK; OFF and SKIP answer nothing. The connection drops the replies (Connection's
   * replyFor), so this only sets Session.replyMode.
   */
  execute(ctx, argv): Reply {
    const session = ctx.session
    const mode = argv[2]!
    if (is(mode, 'on')) {
      session.replyMode = 0
      return OK
    }
    if (is(mode, 'off')) {
      session.replyMode |= REPLY_OFF
      return NO_REPLY
    }
    if (is(mode, 'skip')) {
      // As Redis: SKIP under OFF changes nothing.
      if ((session.replyMode & REPLY_OFF) === 0) session.replyMode |= REPLY_SKIP_NEXT
      return NO_REPLY
    }
    return Errors.syntax
  },
}
