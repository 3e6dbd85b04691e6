import type { Store } from '../store/store';
import { h, render } from '../util/dom';

/** Party, role, stream state and checkpoint, always visible at the foot of the screen. */
export function mountStatusBar(root: HTMLElement, store: Store): void {
  const draw = (): void => {
    const s = store.state;
    const stream = s.stream.state;
    const streamText = stream === 'live' ? 'Live' : stream === 'connecting' ? 'Connecting…' : stream === 'down' ? 'Stream down, reconnecting' : 'Offline';
    render(root,
      h('span', { class: 'sb-item' }, h('span', { class: 'sb-label' }, 'Agreement'), s.session?.agreement ?? '—'),
      h('span', { class: 'sb-item' }, h('span', { class: 'sb-label' }, 'Party'), h('strong', {}, s.session?.party ?? '—')),
      h('span', { class: 'sb-item' }, h('span', { class: 'sb-label' }, 'Role'), s.session?.role ?? '—'),
      h('span', { class: 'sb-item' }, h('span', { class: 'sb-label' }, 'Key'),
        s.session?.key ? h('code', { title: s.session.key.publicKey }, s.session.key.publicKey.slice(0, 20) + '…') : 'none (read-only)'),
      h('span', { class: `sb-item stream stream-${stream}`, role: 'status', 'aria-label': 'Event stream', title: s.stream.detail ?? '' },
        h('span', { class: 'dot', 'aria-hidden': 'true' }), streamText),
      h('span', { class: `sb-item ledger-${s.ledger.state}` }, h('span', { class: 'sb-label' }, 'Checkpoint'),
        s.ledger.size !== undefined ? `${s.ledger.size} entries, ${s.ledger.state === 'ok' ? 'verified' : s.ledger.state}` : 'not verified'),
      h('span', { class: 'sb-spacer' }),
      h('span', { class: 'sb-item' }, s.loading ? 'Loading…' : `${s.zones.size} zones · ${s.operations.size} operations in view`),
    );
  };
  store.subscribe((s, p) => {
    if (s.session !== p.session || s.stream !== p.stream || s.ledger !== p.ledger || s.loading !== p.loading || s.zones !== p.zones || s.operations !== p.operations) draw();
  });
  draw();
}
