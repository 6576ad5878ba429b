// The reply of every container's HELP subcommand, in Redis's layout (addReplyHelp).

import { array, simple, type Reply } from '../../protocol/reply.js'

/** `lines` describe the subcommands; the header and the HELP entry are added as Redis does. */
export const helpReply = (container: string, lines: readonly string[]): Reply =>
  array(
    [
      `${container.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
      ...lines,
      'HELP',
      '    Prints this help.',
    ].map(simple),
  )
