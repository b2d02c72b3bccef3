/** A small client for the emulator's admin API (global fetch), for tests, the demo and scripts. */
import type { EmulatorFaults, EmulatorStateView, RequestLogEntry, ServiceName } from './types';

export class EmulatorAdmin {
  private readonly base: string;

  constructor(url: string) {
    this.base = url.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const message = (parsed as { error?: string } | undefined)?.error ?? text;
      throw new Error(`emulator admin ${method} ${path} answered ${res.status}: ${message}`);
    }
    return parsed as T;
  }

  health(): Promise<{ status: string }> {
    return this.call('GET', '/health');
  }

  state(): Promise<EmulatorStateView> {
    return this.call('GET', '/_emulator/state');
  }

  /** Replaces every fault. */
  setFaults(faults: EmulatorFaults): Promise<EmulatorFaults> {
    return this.call('PUT', '/_emulator/faults', faults);
  }

  /** Merges into the current faults; a null value removes that key. */
  patchFaults(faults: EmulatorFaults | Record<string, unknown>): Promise<EmulatorFaults> {
    return this.call('PATCH', '/_emulator/faults', faults);
  }

  faults(): Promise<EmulatorFaults> {
    return this.call('GET', '/_emulator/faults');
  }

  requests(filter: { service?: ServiceName; since?: number; mutating?: boolean } = {}): Promise<RequestLogEntry[]> {
    const q = new URLSearchParams();
    if (filter.service) q.set('service', filter.service);
    if (filter.since !== undefined) q.set('since', String(filter.since));
    if (filter.mutating !== undefined) q.set('mutating', String(filter.mutating));
    const qs = q.toString();
    return this.call('GET', `/_emulator/requests${qs ? `?${qs}` : ''}`);
  }

  async clearRequests(): Promise<void> {
    await this.call('DELETE', '/_emulator/requests');
  }

  /** Forgets every resource, metric and alarm and restores the start-up faults. */
  async reset(): Promise<void> {
    await this.call('POST', '/_emulator/reset');
  }
}
