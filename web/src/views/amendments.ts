import type { AmendmentView } from '../api/types';
import type { Actions } from '../store/actions';
import type { State, Store } from '../store/store';
import { h, relative, render, utc } from '../util/dom';
import { describeChanges, isPending } from '../model/amendments';

const stateWords: Record<string, string> = { proposed: 'awaiting signatures', signed: 'signed, not yet effective', 'in-force': 'in force', lapsed: 'lapsed' };

/**
 * The amendments inbox: each pending amendment with what it adds, replaces and removes, its reason, signing deadline and
 * who signed. A signatory's approver whose signature is missing signs it or refuses it (a reason is required); every other
 * role reads it. Amendment events keep it current.
 */
export function mountAmendments(root: HTMLElement, store: Store, actions: Actions): void {
  root.setAttribute('role', 'region');
  root.setAttribute('aria-label', 'Amendments');
  const pendingList = h('ul', { class: 'amendment-list', 'aria-label': 'Pending amendments' });
  const past = h('ul', { class: 'inbox-history', 'aria-label': 'Past amendments' });
  const count = h('span', { class: 'count' });
  const reasons = new Map<string, HTMLInputElement>();
  const countdowns = new Map<string, HTMLElement>();

  const card = (a: AmendmentView, s: State): HTMLElement => {
    const party = s.session?.party ?? '';
    const approver = s.session?.role === 'approver';
    const mayAnswer = approver && a.state === 'proposed' && a.missing.includes(party);
    let reason = reasons.get(a.id);
    if (!reason) {
      reason = h('input', { type: 'text', 'aria-label': 'Reason for refusing', placeholder: 'Reason (required to refuse)', autocomplete: 'off' });
      reasons.set(a.id, reason);
    }
    const input = reason;
    const countdown = h('span', { class: 'countdown' });
    countdowns.set(a.id, countdown);
    const refuse = async (): Promise<void> => {
      if (!input.value.trim()) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        store.notify('error', `Refusing ${a.id} needs a reason`);
        return;
      }
      input.removeAttribute('aria-invalid');
      if (await actions.refuseAmendment(a.id, input.value.trim())) reasons.delete(a.id);
    };
    const changes = describeChanges(a, s.agreement);
    const signed = a.signatures.map((x) => `${x.party} (${utc(x.signed)})`).join(', ');
    return h('li', { class: 'amendment-row', 'data-amendment': a.id, 'aria-label': `Amendment ${a.id} from ${a.proposer}` },
      h('div', { class: 'inbox-head' },
        h('code', { class: 'nowrap' }, a.id), h('span', {}, ' from ', h('strong', {}, a.proposer)),
        countdown),
      h('span', { class: `badge amendment-${a.state}` }, stateWords[a.state] ?? a.state),
      h('p', { class: 'amendment-reason' }, `“${a.reason}”`),
      h('ul', { class: 'changes', 'aria-label': `What ${a.id} changes` }, changes.map((c) => h('li', {},
        h('strong', {}, `${c.verb} ${c.subject}`), c.detail.length ? h('span', { class: 'change-detail' }, c.detail.join('; ')) : null))),
      h('dl', { class: 'props' },
        h('dt', {}, 'version'), h('dd', {}, `${a.base_version} → ${a.version}`),
        h('dt', {}, 'effective'), h('dd', {}, a.effective === 'on_signature' ? 'on the last signature' : utc(a.effective)),
        h('dt', {}, 'sign by'), h('dd', {}, utc(a.signing_deadline)),
        h('dt', {}, 'signed'), h('dd', { class: 'signed-by' }, signed || 'nobody yet'),
        h('dt', {}, 'missing'), h('dd', { class: 'missing' }, a.missing.length ? a.missing.join(', ') : 'none')),
      mayAnswer ? h('div', { class: 'inbox-answer' },
        input,
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'small ok', onclick: () => void actions.signAmendment(a.id) }, 'Sign amendment'),
          h('button', { type: 'button', class: 'small danger', onclick: () => void refuse() }, 'Refuse amendment')))
        : h('p', { class: 'muted small' }, a.missing.includes(party)
          ? `Your party's approver signs or refuses it (you are signed in as ${s.session?.role ?? '—'}).`
          : a.signatories.includes(party) ? 'Your party has signed it.' : 'Read only: signatories sign amendments.'));
  };

  const tick = (): void => {
    const now = Date.now();
    for (const [id, el] of countdowns) {
      const a = store.state.amendments.get(id);
      if (!a) continue;
      const left = Date.parse(a.signing_deadline) - now;
      el.textContent = left > 0 ? `due ${relative(left)}` : 'deadline passed';
    }
  };

  const draw = (s: State): void => {
    const all = [...s.amendments.values()];
    const pending = all.filter(isPending).sort((a, b) => a.signing_deadline.localeCompare(b.signing_deadline));
    const closed = all.filter((a) => !isPending(a)).sort((a, b) => (b.closed ?? '').localeCompare(a.closed ?? ''));
    countdowns.clear();
    count.textContent = pending.length ? String(pending.length) : '';
    render(pendingList, pending.length ? pending.map((a) => card(a, s)) : h('li', { class: 'muted empty' }, 'No amendment pending.'));
    render(past, closed.length ? closed.map((a) => h('li', { 'data-amendment': a.id },
      h('code', {}, a.id), ` from ${a.proposer}: `, h('span', { class: `badge amendment-${a.state}` }, stateWords[a.state] ?? a.state),
      a.state === 'in-force' ? ` as version ${a.version} since ${utc(a.closed)}` : '',
      a.state === 'lapsed' ? ` ${utc(a.closed)}: ${a.lapse_reason ?? (a.refused_by ? `refused by ${a.refused_by}` : '')}` : ''))
      : h('li', { class: 'muted' }, 'None.'));
    tick();
  };

  render(root,
    h('h2', {}, 'Amendments ', count),
    pendingList,
    h('details', {}, h('summary', {}, 'Past amendments'), past));
  store.subscribe((s, p) => {
    if (s.amendments !== p.amendments || s.agreement !== p.agreement || s.session !== p.session) draw(s);
  });
  draw(store.state);
  setInterval(tick, 1000);
}
