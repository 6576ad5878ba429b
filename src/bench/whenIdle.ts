// Resolves once no pipe has a request in flight (closed pipes count as idle): after a warm-up
// phase stops sending, its last requests are answered before the measured phase starts, so they
// neither queue ahead of measured requests nor settle into the wrong loop.

import type { RequestPipe } from './pipe.js'

export const whenIdle = (pipes: readonly RequestPipe[]): Promise<void> =>
  new Promise((resolve) => {
    const idle = (): boolean => pipes.every((pipe) => !pipe.open || pipe.inFlight === 0)
    if (idle()) return resolve()
    let armed = false
    const removers: (() => void)[] = []
    const check = (): void => {
      if (!armed || !idle()) return
      armed = false
      for (const remove of removers) remove()
      resolve()
    }
    for (const pipe of pipes) {
      removers.push(pipe.onSettled(check))
      pipe.onClose(check)
    }
    armed = true
    check()
  })
