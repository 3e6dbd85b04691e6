import type { Actions } from '../store/actions';
import type { Store } from '../store/store';
import { h, render, utc } from '../util/dom';

/** The ledger check (in this browser) and the owner's probing report. */
export function mountLedger(root: HTMLElement, store: Store, actions: Actions): void {
  const status = h('p', { role: 'status', class: 'ledger-status', 'aria-label': 'Ledger status' });
  const button = h('button', { type: 'button', class: 'secondary', onclick: () => void actions.verifyLedger() }, 'Verify ledger');
  const probing = h('div', { class: 'probing' });
  const drawStatus = (): void => {
    const l = store.state.ledger;
    status.className = `ledger-status ledger-${l.state}`;
    status.textContent = (l.state === 'alarm' ? 'ALARM — ' : '') + l.message;
    button.disabled = l.state === 'running';
  };
  const drawProbing = (): void => {
    const report = store.state.probing;
    if (!report) {
      render(probing, h('p', { class: 'muted' }, 'No probing report (operators and monitors of a party see their own).'));
      return;
    }
    if (report.requesters.length === 0) {
      render(probing, h('p', { class: 'muted' }, `No party touched ${report.party}'s hidden zones (as of ${utc(report.as_of)}).`));
      return;
    }
    render(probing, h('table', { class: 'grid' },
      h('caption', {}, `Who touched ${report.party}'s hidden zones`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Party'), h('th', { scope: 'col' }, '1 h'), h('th', { scope: 'col' }, '24 h'),
        h('th', { scope: 'col' }, 'All'), h('th', { scope: 'col' }, 'Last'), h('th', { scope: 'col' }, 'Zones'))),
      h('tbody', {}, report.requesters.map((r) => h('tr', {},
        h('td', {}, r.party), h('td', {}, r.last_hour), h('td', {}, r.last_day), h('td', {}, r.total), h('td', {}, utc(r.last)),
        h('td', {}, r.zones.map((z) => h('button', { type: 'button', class: 'link', onclick: () => actions.select({ type: 'zone', id: z.zone }) }, `${z.zone} ×${z.count}`))))))));
  };
  render(root,
    h('h2', {}, 'Ledger'),
    button, status,
    h('h2', {}, 'Probing', h('button', { type: 'button', class: 'link small', onclick: () => void actions.loadProbing() }, 'refresh')),
    probing);
  store.subscribe((s, p) => {
    if (s.ledger !== p.ledger) drawStatus();
    if (s.probing !== p.probing) drawProbing();
  });
  drawStatus();
  drawProbing();
}
