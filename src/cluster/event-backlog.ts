/**
 * Events waiting for Redis (cluster mode): appended in order while the connection is down and sent
 * once it is back. Bounded: past `max` the oldest entry is dropped (and counted), so a node cut
 * from Redis never grows without limit. The stream keeps about as many entries (MAXLEN), so what
 * is dropped here would have been trimmed there anyway.
 */
export class EventBacklog {
  private readonly entries: string[] = [];
  private head = 0;
  dropped = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  /** Adds an entry; true when the oldest one was dropped to make room. */
  push(entry: string): boolean {
    this.entries.push(entry);
    if (this.size <= this.max) return false;
    this.head += 1;
    this.dropped += 1;
    this.compact();
    return true;
  }

  /** Takes up to `count` of the oldest entries, in order. */
  take(count: number): string[] {
    const out = this.entries.slice(this.head, this.head + count);
    this.head += out.length;
    this.compact();
    return out;
  }

  private compact(): void {
    if (this.head === this.entries.length) {
      this.entries.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }
}
