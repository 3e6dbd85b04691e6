import type { IncidentView } from '../api/types';
import type { Actions } from '../store/actions';
import type { State, Store } from '../store/store';
import { h, render, utc } from '../util/dom';
import { isConfirmed, standing } from '../model/incidents';

/**
 * The incidents the party may see, newest report first: each with every suspected party's standing (a violation candidate
 * until it admits it) and how many notified sites and matching declarations it touches. Selecting one shows it on the map
 * and in the details, where a suspected party replies and a monitor grades.
 */
export function mountIncidents(root: HTMLElement, store: Store, actions: Actions): void {
  root.setAttribute('role', 'region');
  root.setAttribute('aria-label', 'Incidents');
  const list = h('ul', { class: 'incidents', 'aria-label': 'Incident list' });
  const awaiting = h('input', { type: 'checkbox' });
  const line = (i: IncidentView, s: State): HTMLElement => {
    const party = s.session?.party ?? '';
    const asked = i.candidates.some((c) => c.party === party && c.reply === 'awaited');
    const selected = s.selection?.type === 'incident' && s.selection.id === i.id;
    return h('li', { class: `incident${isConfirmed(i) ? ' confirmed' : ''}${selected ? ' selected' : ''}`, 'data-incident': i.id },
      h('button', { type: 'button', class: 'link', 'aria-current': selected ? 'true' : null, onclick: () => actions.select({ type: 'incident', id: i.id }) }, h('strong', {}, i.id)),
      ` ${i.kind}, reported by ${i.reporter} ${utc(i.reported)}`,
      asked ? h('span', { class: 'badge asked' }, 'your reply is asked') : null,
      i.sites.length > 0 ? h('span', { class: 'hint' }, `${i.sites.length} notified site(s) in the area`) : null,
      i.declarations.length > 0 ? h('span', { class: 'hint' }, `${i.declarations.length} matching declaration(s)`) : null,
      i.candidates.map((c) => h('span', { class: `hint candidate status-${c.status}` }, standing(c))));
  };
  const draw = (s: State): void => {
    const party = s.session?.party ?? '';
    const all = [...s.incidents.values()]
      .filter((i) => !awaiting.checked || i.candidates.some((c) => c.party === party && c.reply === 'awaited'))
      .sort((a, b) => b.reported.localeCompare(a.reported) || a.id.localeCompare(b.id));
    render(list, all.length === 0 ? h('li', { class: 'muted' }, 'No incident you may see.') : all.map((i) => line(i, s)));
  };
  awaiting.addEventListener('change', () => draw(store.state));
  render(root,
    h('h2', {}, 'Incidents', h('button', { type: 'button', class: 'link small', onclick: () => void actions.loadIncidents() }, 'refresh')),
    h('p', { class: 'hint' }, 'An incident is a violation candidate until its suspected party admits it. A site never notified is still protected.'),
    h('label', { class: 'toggle small' }, awaiting, 'Only those awaiting my reply'),
    list,
    h('button', { type: 'button', class: 'secondary small', onclick: () => actions.showCentre('compliance') }, 'Open the compliance dashboard'));
  store.subscribe((s, p) => {
    if (s.incidents !== p.incidents || s.session !== p.session || s.selection !== p.selection) draw(s);
  });
  draw(store.state);
}
