// Replies of one event-loop turn are written together, after all of the turn's socket reads have
// been handled (Redis's handleClientsWithPendingWrites). Written one by one as each read is
// handled, a write usually finds its client asleep and pays for waking it (an interprocessor
// interrupt, costly under a hypervisor); written back to back, later writes find the clients
// already awake.

/** A connection with replies waiting to be written. */
export interface PendingOutput {
  flushOutput(): void
}

export class OutputFlusher {
  private pending: PendingOutput[] = []
  private scheduled = false

  /** Contract: called once per connection until its flushOutput runs (the caller tracks that). */
  enqueue(connection: PendingOutput): void {
    this.pending.push(connection)
    if (!this.scheduled) {
      this.scheduled = true
      // The check phase runs after every I/O callback of the current turn.
      setImmediate(this.flush)
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false
    const pending = this.pending
    this.pending = []
    for (let i = 0; i < pending.length; i++) pending[i]!.flushOutput()
  }
}
