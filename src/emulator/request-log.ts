/** The emulator's request log: what was called, what it answered and whether it changed anything. Bounded. */
import type { RequestLogEntry, ServiceName } from './types';

const MUTATING = /^(Create|Update|Delete|Put|Set)/;

export function isMutating(operation: string): boolean {
  return MUTATING.test(operation);
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private start = 0; // ring start once full
  private seq = 0;

  constructor(private readonly limit: number) {}

  add(entry: Omit<RequestLogEntry, 'seq' | 'mutating'> & { mutating?: boolean }): void {
    const full: RequestLogEntry = {
      ...entry,
      seq: ++this.seq,
      mutating: entry.mutating ?? isMutating(entry.operation),
    };
    if (this.entries.length < this.limit) {
      this.entries.push(full);
    } else {
      this.entries[this.start] = full;
      this.start = (this.start + 1) % this.limit;
    }
  }

  list(filter: { service?: ServiceName; since?: number; mutating?: boolean } = {}): RequestLogEntry[] {
    const ordered =
      this.start === 0 ? this.entries : [...this.entries.slice(this.start), ...this.entries.slice(0, this.start)];
    return ordered.filter(
      (e) =>
        (filter.service === undefined || e.service === filter.service) &&
        (filter.since === undefined || e.seq > filter.since) &&
        (filter.mutating === undefined || e.mutating === filter.mutating),
    );
  }

  clear(): void {
    this.entries = [];
    this.start = 0;
  }
}
