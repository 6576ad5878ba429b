// MEMORY DOCTOR
import { verbatim, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { processMemory } from './process-memory.js'

const EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. " +
  'Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n'
const HEALTHY = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
const ISSUES = 'Sam, I detected a few issues in this Redis instance memory implants:\n\n'
const BIG_PEAK =
  ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. ' +
  'The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, ' +
  'however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) ' +
  'is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. ' +
  'If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, ' +
  'otherwise the only other option is to shutdown and restart the instance.\n\n'
const CLOSING = "I'm here to keep you safe, Sam. I want to help you.\n"

export const memoryDoctor: CommandSpec = {
  name: 'memory|doctor',
  arity: 2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Outputs memory problems report',
  since: '4.0.0',
  complexity: 'O(1)',
  /**
   * Redis's report (getMemoryDoctorReport) on the checks that apply to this process: an instance
   * under 5 MB is "empty", and a peak over 1.5 times the memory in use is reported. Redis's
   * fragmentation checks are left out: a garbage-collected heap is larger than its live data by
   * design, so they would always fire; replicas, client buffers and scripts do not exist here.
   */
  execute(): Reply {
    const m = processMemory()
    if (m.used < 5 * 1024 * 1024) return verbatim(EMPTY)
    if (m.peak / m.used <= 1.5) return verbatim(HEALTHY)
    return verbatim(ISSUES + BIG_PEAK + CLOSING)
  },
}
