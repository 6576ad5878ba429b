// Records every group of completions that passes into a LatencyRecorder, and passes it on.

import { tap, type MonoTypeOperatorFunction } from 'rxjs'
import type { Completion } from './completion.js'
import type { LatencyRecorder } from './recorder.js'

export const recordLatency = <T extends readonly Completion[]>(recorder: LatencyRecorder): MonoTypeOperatorFunction<T> =>
  tap((completions) => recorder.recordAll(completions))
