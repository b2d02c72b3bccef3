/** The emulator's request log: what was called, what it answered and whether it changed anything. Bounded. */
import type { RequestLogEntry, ServiceName } from './types';

// Register/Deregister: Application Auto Scaling's scalable targets change state too.
const MUTATING = /^(Create|Update|Delete|Put|Set|Register|Deregister)/;

export function isMutating(operation: string): boolean {
  return MUTATING.test(operation);
}

/** Stored with the arrival time as epoch ms: the ISO string is made only when someone reads the log. */
type StoredEntry = Omit<RequestLogEntry, 'at'> & { atMs: number };

export class RequestLog {
  private entries: StoredEntry[] = [];
  private start = 0; // ring start once full
  private seq = 0;

  constructor(private readonly limit: number) {}

  /** Takes ownership of `entry` (it is stored as given, not copied: this runs once per request). Returns its seq. */
  add(entry: Omit<StoredEntry, 'seq' | 'mutating'> & { mutating?: boolean }): number {
    const full = entry as StoredEntry;
    full.seq = ++this.seq;
    full.mutating ??= isMutating(entry.operation);
    if (this.entries.length < this.limit) {
      this.entries.push(full);
    } else {
      this.entries[this.start] = full;
      this.start = (this.start + 1) % this.limit;
    }
    return full.seq;
  }

  list(filter: { service?: ServiceName; since?: number; mutating?: boolean } = {}): RequestLogEntry[] {
    const ordered =
      this.start === 0 ? this.entries : [...this.entries.slice(this.start), ...this.entries.slice(0, this.start)];
    return ordered
      .filter(
        (e) =>
          (filter.service === undefined || e.service === filter.service) &&
          (filter.since === undefined || e.seq > filter.since) &&
          (filter.mutating === undefined || e.mutating === filter.mutating),
      )
      .map(({ atMs, seq, ...rest }) => ({ seq, at: new Date(atMs).toISOString(), ...rest }));
  }

  clear(): void {
    this.entries = [];
    this.start = 0;
  }
}
