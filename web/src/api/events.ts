import type { StreamEvent } from './types';

/** The state of the party's event stream, as the status bar shows it. */
export type StreamState = 'connecting' | 'live' | 'down';

export interface StreamHandlers {
  onEvent(event: StreamEvent): void;
  onState(state: StreamState, detail?: string): void;
}

/**
 * Follows the party's server-sent events. EventSource cannot send a bearer token in a header, so the stream is
 * read with fetch and parsed here; after a drop it reconnects with Last-Event-ID, backing off up to 10 s. A
 * stream silent for longer than three heartbeats is taken as dead.
 */
export class EventStream {
  private lastId = '';
  private stopped = false;
  private controller: AbortController | null = null;
  private backoff = 500;

  constructor(private readonly url: string, private readonly token: string, private readonly handlers: StreamHandlers,
    private readonly silenceMs = 45_000) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
  }

  /** Drops the current connection; it reconnects after the back-off, or at once when `now`. */
  reconnect(now = false): void {
    if (now) {
      this.backoff = 0;
      this.wake?.();
    }
    this.controller?.abort();
  }

  private wake: (() => void) | null = null;

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.handlers.onState('connecting');
      try {
        await this.readOnce();
        if (!this.stopped) this.handlers.onState('down', 'the stream ended');
      } catch (e) {
        if (this.stopped) return;
        this.handlers.onState('down', e instanceof Error ? e.message : String(e));
      }
      await new Promise<void>((r) => {
        const timer = setTimeout(r, this.backoff);
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      this.wake = null;
      this.backoff = Math.min(Math.max(this.backoff * 2, 500), 10_000);
    }
  }

  private async readOnce(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: 'text/event-stream' };
    if (this.lastId) headers['Last-Event-ID'] = this.lastId;
    const response = await fetch(this.url, { headers, signal: controller.signal, cache: 'no-store', credentials: 'omit' });
    if (!response.ok || !response.body) {
      throw new Error(`the event stream answered HTTP ${response.status}`);
    }
    this.handlers.onState('live');
    this.backoff = 500;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let watchdog = setTimeout(() => controller.abort(), this.silenceMs);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), this.silenceMs);
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          this.dispatch(block);
        }
      }
    } finally {
      clearTimeout(watchdog);
    }
  }

  private dispatch(block: string): void {
    let id = '';
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    if (id) this.lastId = id;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data.join('\n')) as Record<string, unknown>;
    } catch {
      return;
    }
    this.handlers.onEvent({ id, type, data: parsed });
  }
}
