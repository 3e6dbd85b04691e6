import type { RequestView } from '../api/types';
import type { MapView } from '../map/mapview';
import type { Actions } from '../store/actions';
import type { State, Store } from '../store/store';
import { h, relative, render, utc } from '../util/dom';
import type { PlanMode } from './planner';

const urgentMs = 5 * 60_000;

/**
 * The concurrence inbox: open requests put to the party, by deadline, with a live countdown (urgent in the last
 * five minutes) and the answers concur, refuse (a reason is required) and counter-propose; answered ones below;
 * and the requests the party's own operations opened, with their states.
 */
export function mountInbox(root: HTMLElement, store: Store, actions: Actions, map: MapView, plan: (mode: PlanMode) => void): void {
  root.setAttribute('role', 'region');
  root.setAttribute('aria-label', 'Concurrence requests');
  const openList = h('ul', { class: 'inbox-list' });
  const history = h('ul', { class: 'inbox-history' });
  const mine = h('ul', { class: 'inbox-history' });
  const count = h('span', { class: 'count' });
  const reasons = new Map<string, HTMLInputElement>();
  const countdowns = new Map<string, HTMLElement>();

  const row = (r: RequestView, s: State): HTMLElement => {
    const approver = s.session?.role === 'approver';
    let reason = reasons.get(r.id);
    if (!reason) {
      reason = h('input', { type: 'text', 'aria-label': 'Reason', placeholder: 'Reason (required to refuse)', autocomplete: 'off' });
      reasons.set(r.id, reason);
    }
    const input = reason;
    const countdown = h('span', { class: 'countdown' });
    countdowns.set(r.id, countdown);
    const refuse = async (): Promise<void> => {
      if (!input.value.trim()) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        store.notify('error', `Refusing ${r.id} needs a reason`);
        return;
      }
      if (await actions.answer(r, 'refuse', input.value.trim())) reasons.delete(r.id);
    };
    return h('li', { class: 'inbox-row', 'data-request': r.id, 'aria-label': `Request ${r.id} from ${r.submitter}` },
      h('div', { class: 'inbox-head' },
        h('button', { type: 'button', class: 'link', onclick: () => { actions.select({ type: 'request', id: r.id }); focus(r); } }, h('code', {}, r.id)),
        h('span', {}, ' from ', h('strong', {}, r.submitter)),
        countdown),
      h('div', { class: 'inbox-what' },
        r.target_type === 'term' ? 'About the agreement\'s term ' : `About your ${r.target_type} `, h('code', {}, r.target_id ?? r.target_handle ?? '?'), '. ',
        r.operation_feature ? `Operation ${r.operation ?? ''} (${r.operation_feature.properties.kind}), ${utc(r.operation_feature.properties.start)}.`
          : 'The asking operation is hidden: shown as its cell.'),
      approver ? h('div', { class: 'inbox-answer' },
        input,
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'small ok', onclick: () => void actions.answer(r, 'concur') }, 'Concur'),
          h('button', { type: 'button', class: 'small danger', onclick: () => void refuse() }, 'Refuse'),
          h('button', { type: 'button', class: 'small secondary', onclick: () => plan({ type: 'counter', request: r, reason: input.value.trim() }) }, 'Counter-propose')))
        : h('p', { class: 'muted small' }, 'Approvers answer requests.'));
  };

  const focus = (r: RequestView): void => {
    const target = r.target_id ? store.state.zones.get(r.target_id) ?? store.state.operations.get(r.target_id) : undefined;
    if (target) map.focus(target);
    else if (r.area) map.focusCell(r.area);
  };

  const tick = (): void => {
    const now = Date.now();
    for (const [id, el] of countdowns) {
      const r = store.state.requests.get(id);
      if (!r) continue;
      const left = Date.parse(r.deadline) - now;
      el.textContent = left > 0 ? `due ${relative(left)}` : 'deadline passed';
      el.classList.toggle('urgent', left < urgentMs);
      el.closest('li')?.classList.toggle('urgent', left < urgentMs);
    }
  };

  const draw = (s: State): void => {
    const party = s.session?.party;
    const all = [...s.requests.values()];
    const open = all.filter((r) => r.affected === party && r.state === 'open').sort((a, b) => a.deadline.localeCompare(b.deadline));
    const answered = all.filter((r) => r.affected === party && r.state !== 'open').sort((a, b) => (b.closed ?? '').localeCompare(a.closed ?? ''));
    const asked = all.filter((r) => r.submitter === party).sort((a, b) => b.opened.localeCompare(a.opened));
    countdowns.clear();
    count.textContent = open.length ? String(open.length) : '';
    render(openList, open.length ? open.map((r) => row(r, s)) : h('li', { class: 'muted empty' }, 'No open request.'));
    render(history, answered.slice(0, 30).map((r) => h('li', {}, h('code', {}, r.id), ` from ${r.submitter}: `,
      h('span', { class: `badge state-${r.state}` }, r.state), r.reason ? ` “${r.reason}”` : '', ` ${utc(r.closed)}`)));
    render(mine, asked.slice(0, 30).map((r) => h('li', {},
      h('button', { type: 'button', class: 'link', onclick: () => r.operation && actions.select({ type: 'operation', id: r.operation }) }, h('code', {}, r.operation ?? r.id)),
      ` → ${r.affected}: `, h('span', { class: `badge state-${r.state}`, 'data-request-state': r.id }, r.state), r.reason ? ` “${r.reason}”` : '')));
    tick();
  };

  render(root,
    h('h2', {}, 'Concurrence requests ', count),
    openList,
    h('details', { open: true }, h('summary', {}, 'Asked by my operations'), mine),
    h('details', {}, h('summary', {}, 'Answered'), history));
  store.subscribe((s, p) => {
    if (s.requests !== p.requests || s.session !== p.session) draw(s);
  });
  draw(store.state);
  setInterval(tick, 1000);
}
