// The group a loop is filling and, when the loop recycles, the completions it may reuse. After a
// group has been emitted (its subscriber's `next` has returned) a recycling loop takes its
// completions and its array back; otherwise every group and completion is new.

export class Recycler<T> {
  /** The completions settled since the last emission. */
  group: T[] = []
  private readonly free: T[] = []
  private spare: T[] = []

  constructor(private readonly recycle: boolean) {}

  /** A completion to reuse, or undefined: make a new one. */
  take(): T | undefined {
    return this.free.pop()
  }

  /** Hands the group to `next` and starts a new one. */
  emit(next: (group: T[]) => void): void {
    const done = this.group
    this.group = this.recycle ? this.spare : []
    next(done)
    if (!this.recycle) return
    // Emptied by pop: `length = 0` would drop the array's storage, and the next group regrow it.
    while (done.length > 0) this.free.push(done.pop()!)
    this.spare = done
  }
}
