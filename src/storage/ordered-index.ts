// An ordered set of latin1 "binary strings" (each char code 0..255 is one byte, so JS `<` is byte
// order): a counted B+tree. add, delete, has, rank and at are O(log n); iteration walks the leaf
// chain. The memory keyspace keeps one per database for ordered KEYS/SCAN and RANDOMKEY; it is
// touched only when a key is created or removed, so insertion is the path that matters.

/** Default maximum keys per leaf and children per inner node: keeps splices cheap, the tree shallow. */
const ORDER = 64

class Leaf {
  readonly leaf = true
  next: Leaf | undefined = undefined
  constructor(public keys: string[]) {}
}

class Inner {
  readonly leaf = false
  /**
   * keys[i] separates children[i] from children[i + 1]: every key in children[i] is < keys[i] and
   * every key in children[i + 1] is >= keys[i]. Deletes may leave a separator that is no longer a
   * member; it stays a valid bound.
   */
  constructor(
    public keys: string[],
    public children: Node[],
    /** counts[i] is the number of keys under children[i]; kept here so rank/at scan one array. */
    public counts: number[],
    /** Number of keys in this subtree. */
    public size: number,
  ) {}
}

type Node = Leaf | Inner

/**
 * Empties a node taken out of the tree. Something may still hold it (the scratch path, a
 * suspended iterator), and a removed leaf's `next` leads to the leaves removed after it: left
 * as they were, one stale reference kept every key ever deleted alive (900k strings, 30 MB, after
 * eviction had cycled 5 million keys through an index of 11k).
 */
const retire = (node: Node): void => {
  node.keys = []
  if (node.leaf) node.next = undefined
  else {
    node.children = []
    node.counts = []
    node.size = 0
  }
}

const sizeOf = (node: Node): number => (node.leaf ? node.keys.length : node.size)

const smallestKey = (node: Node): string => {
  while (!node.leaf) node = node.children[0]!
  return node.keys[0]!
}
const fanout = (node: Node): number => (node.leaf ? node.keys.length : node.children.length)

/** First index whose key is >= key. */
const lowerBound = (keys: string[], key: string): number => {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid]! < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First index whose key is > key. */
const upperBound = (keys: string[], key: string): number => {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid]! <= key) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class OrderedIndex {
  private root: Node = new Leaf([])
  /** Bumped by every mutation, so live iterators know to re-seek. */
  private version = 0
  // Scratch path for add/delete: the inner nodes descended through and the child index taken.
  private readonly pathNodes: Inner[] = []
  private readonly pathIdx: number[] = []
  /** Maximum keys per leaf and children per inner node. */
  private readonly max: number
  /** Fill below which a non-root node borrows from or merges with a sibling. */
  private readonly min: number

  /** `order` is the maximum node fanout (at least 4); specs use small orders to grow deep trees. */
  constructor(order = ORDER) {
    if (!(Number.isInteger(order) && order >= 4)) throw new RangeError(`OrderedIndex order must be an integer >= 4, got ${order}`)
    this.max = order
    this.min = order >> 1
  }

  get size(): number {
    return sizeOf(this.root)
  }

  has(key: string): boolean {
    const leaf = this.leafFor(key)
    const i = lowerBound(leaf.keys, key)
    return i < leaf.keys.length && leaf.keys[i] === key
  }

  /** Inserts key; returns true if it was not present. */
  add(key: string): boolean {
    let node = this.root
    let depth = 0
    while (!node.leaf) {
      const i = upperBound(node.keys, key)
      this.pathNodes[depth] = node
      this.pathIdx[depth] = i
      depth++
      node = node.children[i]!
    }
    const keys = node.keys
    // Appending to the last leaf (monotonic key generators) skips the binary search.
    const n = keys.length
    let j: number
    if (n === 0 || (node.next === undefined && keys[n - 1]! < key)) j = n
    else {
      j = lowerBound(keys, key)
      if (keys[j] === key) return false
    }
    if (j === n) keys.push(key)
    else keys.splice(j, 0, key)
    this.version++
    for (let d = 0; d < depth; d++) {
      const p = this.pathNodes[d]!
      p.size++
      p.counts[this.pathIdx[d]!]++
    }
    if (keys.length > this.max) this.splitUp(node, depth)
    return true
  }

  /**
   * Adds keys given in strictly increasing order. Into an empty index they go in one bottom-up
   * build, nodes three quarters full: O(n), where n inserts cost a descent and a splice each
   * (start-up replay of a log of new keys spent a third of its time in add).
   */
  addSorted(keys: readonly string[]): void {
    if (this.size !== 0 || keys.length <= this.max) {
      for (const key of keys) this.add(key)
      return
    }
    let level: Node[] = this.pack(keys.length, (from, to) => new Leaf(keys.slice(from, to)))
    const leaves = level as Leaf[]
    for (let i = 0; i + 1 < leaves.length; i++) leaves[i]!.next = leaves[i + 1]
    while (level.length > 1) {
      const children = level
      level = this.pack(children.length, (from, to) => {
        const group = children.slice(from, to)
        const counts = group.map(sizeOf)
        // keys[i] separates group[i] from group[i + 1]: the smallest key under group[i + 1].
        const separators = group.slice(1).map(smallestKey)
        return new Inner(separators, group, counts, counts.reduce((a, b) => a + b, 0))
      })
    }
    this.root = level[0]!
    this.version++
  }

  /**
   * `n` items cut into nodes about three quarters full, none below the minimum fill (a lone
   * node may be smaller, as the root may), each made by `make(from, to)`.
   */
  private pack(n: number, make: (from: number, to: number) => Node): Node[] {
    let nodes = Math.ceil(n / Math.floor((this.max + this.min) / 2))
    if (nodes > 1 && n / nodes < this.min) nodes = Math.max(1, Math.floor(n / this.min))
    const out: Node[] = []
    for (let i = 0; i < nodes; i++) out.push(make(Math.floor((i * n) / nodes), Math.floor(((i + 1) * n) / nodes)))
    return out
  }

  /** Removes key; returns true if it was present. */
  delete(key: string): boolean {
    let node = this.root
    let depth = 0
    while (!node.leaf) {
      const i = upperBound(node.keys, key)
      this.pathNodes[depth] = node
      this.pathIdx[depth] = i
      depth++
      node = node.children[i]!
    }
    const keys = node.keys
    const j = lowerBound(keys, key)
    if (j === keys.length || keys[j] !== key) return false
    if (j === keys.length - 1) keys.pop()
    else keys.splice(j, 1)
    this.version++
    for (let d = 0; d < depth; d++) {
      const p = this.pathNodes[d]!
      p.size--
      p.counts[this.pathIdx[d]!]--
    }
    let child: Node = node
    for (let d = depth - 1; d >= 0 && fanout(child) < this.min; d--) {
      const parent = this.pathNodes[d]!
      this.rebalance(parent, this.pathIdx[d]!)
      child = parent
    }
    while (!this.root.leaf && this.root.children.length === 1) {
      const old = this.root
      this.root = old.children[0]!
      retire(old)
    }
    return true
  }

  /** Number of keys strictly less than key. */
  rank(key: string): number {
    let node = this.root
    let r = 0
    while (!node.leaf) {
      const i = upperBound(node.keys, key)
      const counts = node.counts
      for (let c = 0; c < i; c++) r += counts[c]!
      node = node.children[i]!
    }
    return r + lowerBound(node.keys, key)
  }

  /** The i-th smallest key (0-based), or undefined when out of range. */
  at(i: number): string | undefined {
    if (!(i >= 0 && i < this.size)) return undefined
    i = Math.floor(i)
    let node = this.root
    while (!node.leaf) {
      const counts = node.counts
      let c = 0
      while (i >= counts[c]!) i -= counts[c++]!
      node = node.children[c]!
    }
    return node.keys[i]
  }

  /**
   * Keys in ascending order, starting at `key` (after it when `exclusive`), or at the smallest key.
   *
   * Mutation contract: the iterator remembers the last key it yielded and, if the index changed
   * since, re-seeks to the first key greater than it. So any interleaving of add, delete and clear
   * is safe, including deleting the key just received. After a mutation the iterator yields
   * exactly the keys greater than the last yielded key that are present when it resumes: keys
   * added behind it are not seen, keys added ahead of it are.
   */
  *from(key?: string, exclusive = false): Generator<string, void, undefined> {
    let leaf: Leaf | undefined
    let idx: number
    if (key === undefined) {
      leaf = this.firstLeaf()
      idx = 0
    } else {
      leaf = this.leafFor(key)
      idx = exclusive ? upperBound(leaf.keys, key) : lowerBound(leaf.keys, key)
    }
    let version = this.version
    let last: string | undefined
    for (;;) {
      if (version !== this.version) {
        version = this.version
        if (last !== undefined) {
          leaf = this.leafFor(last)
          idx = upperBound(leaf.keys, last)
        } else if (key === undefined) {
          leaf = this.firstLeaf()
          idx = 0
        } else {
          leaf = this.leafFor(key)
          idx = exclusive ? upperBound(leaf.keys, key) : lowerBound(leaf.keys, key)
        }
      }
      if (idx >= leaf!.keys.length) {
        leaf = leaf!.next
        if (leaf === undefined) return
        idx = 0
        continue
      }
      last = leaf!.keys[idx++]!
      yield last
    }
  }

  clear(): void {
    this.root = new Leaf([])
    this.pathNodes.length = 0
    this.version++
  }

  private leafFor(key: string): Leaf {
    let node = this.root
    while (!node.leaf) node = node.children[upperBound(node.keys, key)]!
    return node
  }

  private firstLeaf(): Leaf {
    let node = this.root
    while (!node.leaf) node = node.children[0]!
    return node
  }

  /** Splits an overfull node and carries splits up the recorded path, growing a new root if needed. */
  private splitUp(node: Node, depth: number): void {
    for (let d = depth - 1; ; d--) {
      let right: Node
      let sep: string
      if (node.leaf) {
        const r = new Leaf(node.keys.splice(node.keys.length >> 1))
        r.next = node.next
        node.next = r
        right = r
        sep = r.keys[0]!
      } else {
        const half = node.children.length >> 1
        const children = node.children.splice(half)
        const counts = node.counts.splice(half)
        // keys[half - 1] separated the two halves; it moves up, the rest go right.
        const keys = node.keys.splice(half)
        sep = node.keys.pop()!
        let s = 0
        for (const c of counts) s += c
        node.size -= s
        right = new Inner(keys, children, counts, s)
      }
      if (d < 0) {
        this.root = new Inner([sep], [node, right], [sizeOf(node), sizeOf(right)], sizeOf(node) + sizeOf(right))
        return
      }
      const parent = this.pathNodes[d]!
      const i = this.pathIdx[d]!
      parent.keys.splice(i, 0, sep)
      parent.children.splice(i + 1, 0, right)
      parent.counts[i] = sizeOf(node)
      parent.counts.splice(i + 1, 0, sizeOf(right))
      if (parent.children.length <= this.max) return
      node = parent
    }
  }

  /** Restores the minimum fill of parent.children[i] by borrowing from or merging with a sibling. */
  private rebalance(parent: Inner, i: number): void {
    const children = parent.children
    const child = children[i]!
    const left = i > 0 ? children[i - 1]! : undefined
    const right = i + 1 < children.length ? children[i + 1]! : undefined
    if (left !== undefined && fanout(left) > this.min) {
      if (child.leaf) {
        const l = left as Leaf
        child.keys.unshift(l.keys.pop()!)
        parent.keys[i - 1] = child.keys[0]!
        parent.counts[i - 1]--
        parent.counts[i]++
      } else {
        const l = left as Inner
        const moved = l.children.pop()!
        const s = l.counts.pop()!
        child.children.unshift(moved)
        child.counts.unshift(s)
        child.keys.unshift(parent.keys[i - 1]!)
        parent.keys[i - 1] = l.keys.pop()!
        l.size -= s
        child.size += s
        parent.counts[i - 1] -= s
        parent.counts[i] += s
      }
    } else if (right !== undefined && fanout(right) > this.min) {
      if (child.leaf) {
        const r = right as Leaf
        child.keys.push(r.keys.shift()!)
        parent.keys[i] = r.keys[0]!
        parent.counts[i + 1]--
        parent.counts[i]++
      } else {
        const r = right as Inner
        const moved = r.children.shift()!
        const s = r.counts.shift()!
        child.children.push(moved)
        child.counts.push(s)
        child.keys.push(parent.keys[i]!)
        parent.keys[i] = r.keys.shift()!
        r.size -= s
        child.size += s
        parent.counts[i + 1] -= s
        parent.counts[i] += s
      }
    } else if (left !== undefined) {
      this.merge(parent, i - 1)
    } else if (right !== undefined) {
      this.merge(parent, i)
    }
  }

  /** Merges parent.children[k + 1] into parent.children[k]. */
  private merge(parent: Inner, k: number): void {
    const l = parent.children[k]!
    const r = parent.children[k + 1]!
    if (l.leaf) {
      const rl = r as Leaf
      for (const key of rl.keys) l.keys.push(key)
      l.next = rl.next
    } else {
      const ri = r as Inner
      l.keys.push(parent.keys[k]!)
      for (const key of ri.keys) l.keys.push(key)
      for (const c of ri.children) l.children.push(c)
      for (const c of ri.counts) l.counts.push(c)
      l.size += ri.size
    }
    parent.keys.splice(k, 1)
    parent.children.splice(k + 1, 1)
    parent.counts[k] += parent.counts[k + 1]!
    parent.counts.splice(k + 1, 1)
    retire(r)
  }
}
