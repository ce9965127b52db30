/** Something that can sit in a {@link DelayHeap}. @internal */
export interface HeapNode {
  /** When the node is due, in clock milliseconds. */
  readyAt: number;
  /** Insertion order, to keep equal `readyAt` nodes FIFO. */
  seq: number;
  /** Position in the heap, -1 when not in it. */
  heapIndex: number;
}

/**
 * A binary min-heap on (readyAt, seq) with index tracking so a node can be moved earlier or removed
 * in O(log n), as client-go's waitForPriorityQueue does with container/heap.
 * @internal
 */
export class DelayHeap<N extends HeapNode> {
  private nodes: N[] = [];

  get length(): number {
    return this.nodes.length;
  }

  peek(): N | undefined {
    return this.nodes[0];
  }

  push(node: N): void {
    node.heapIndex = this.nodes.length;
    this.nodes.push(node);
    this.up(node.heapIndex);
  }

  pop(): N | undefined {
    const nodes = this.nodes;
    if (nodes.length === 0) return undefined;
    const top = nodes[0]!;
    const last = nodes.pop()!;
    if (nodes.length > 0) {
      nodes[0] = last;
      last.heapIndex = 0;
      this.down(0);
    }
    top.heapIndex = -1;
    return top;
  }

  /** Restores order after `node.readyAt` changed. */
  fix(node: N): void {
    if (!this.up(node.heapIndex)) this.down(node.heapIndex);
  }

  remove(node: N): void {
    const i = node.heapIndex;
    if (i < 0) return;
    const nodes = this.nodes;
    const last = nodes.pop()!;
    if (i < nodes.length) {
      nodes[i] = last;
      last.heapIndex = i;
      this.fix(last);
    }
    node.heapIndex = -1;
  }

  /** Removes every node, calling `onRemoved` for each. */
  clear(onRemoved?: (node: N) => void): void {
    for (const node of this.nodes) {
      node.heapIndex = -1;
      onRemoved?.(node);
    }
    this.nodes = [];
  }

  private less(a: N, b: N): boolean {
    return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
  }

  private up(index: number): boolean {
    const nodes = this.nodes;
    const node = nodes[index]!;
    let i = index;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = nodes[parentIndex]!;
      if (!this.less(node, parent)) break;
      nodes[i] = parent;
      parent.heapIndex = i;
      i = parentIndex;
    }
    nodes[i] = node;
    node.heapIndex = i;
    return i !== index;
  }

  private down(index: number): void {
    const nodes = this.nodes;
    const n = nodes.length;
    const node = nodes[index]!;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.less(nodes[right]!, nodes[left]!) ? right : left;
      if (!this.less(nodes[child]!, node)) break;
      nodes[i] = nodes[child]!;
      nodes[i]!.heapIndex = i;
      i = child;
    }
    nodes[i] = node;
    node.heapIndex = i;
  }
}
