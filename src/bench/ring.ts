// A first-in first-out queue on a circular array that only grows (doubling) when full. A
// connection's queues of pending requests and of writes live as long as the connection, so their
// storage is allocated a few times and then stays put: an array that was pushed to and sliced
// instead kept allocating new storage, which the garbage collector copied on every scavenge.

export class Ring<T> {
  private items: (T | undefined)[]
  private head = 0
  private count = 0

  /** `capacity` is rounded up to a power of two. */
  constructor(capacity = 16) {
    let size = 1
    while (size < capacity) size *= 2
    this.items = new Array<T | undefined>(size).fill(undefined)
  }

  get size(): number {
    return this.count
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) & (this.items.length - 1)] = item
    this.count++
  }

  /** The oldest item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head]
  }

  /** Removes and returns the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) & (this.items.length - 1)
    this.count--
    return item
  }

  /** Removes every item and returns them, oldest first. */
  drain(): T[] {
    const all: T[] = []
    while (this.count > 0) all.push(this.shift()!)
    return all
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.items.length * 2).fill(undefined)
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)]
    this.items = next
    this.head = 0
  }
}
