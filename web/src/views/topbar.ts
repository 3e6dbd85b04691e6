import type { MapView } from '../map/mapview';
import type { Actions } from '../store/actions';
import type { Store } from '../store/store';
import { h, render } from '../util/dom';
import type { PlanMode } from './planner';

/** The top bar: the agreement, New operation / New zone, search by id, theme and sign-out. */
export function mountTopBar(root: HTMLElement, store: Store, actions: Actions, map: MapView, plan: (mode: PlanMode) => void, toggleTheme: () => void): void {
  const search = h('input', { type: 'search', placeholder: 'zone, operation or request id', 'aria-label': 'Search by id', autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', { class: 'search', role: 'search' }, search, h('button', { type: 'submit', class: 'secondary small' }, 'Find'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void find(search.value.trim());
  });
  const find = async (id: string): Promise<void> => {
    if (!id) return;
    const s = store.state;
    const zone = s.zones.get(id);
    const operation = s.operations.get(id);
    if (zone) {
      actions.select({ type: 'zone', id });
      map.focus(zone);
    } else if (operation) {
      actions.select({ type: 'operation', id });
      map.focus(operation);
    } else if (s.requests.has(id)) {
      actions.select({ type: 'request', id });
    } else {
      const api = actions.client;
      const found = await api?.zone(id).then((r) => ({ type: 'zone' as const, f: r.value })).catch(() => null)
        ?? await api?.operation(id).then((r) => ({ type: 'operation' as const, f: r.value.operation })).catch(() => null);
      if (found) {
        map.focus(found.f);
        setTimeout(() => actions.select({ type: found.type, id }), 400);
      } else {
        store.notify('error', `No zone, operation or request '${id}' that you may see`);
      }
    }
  };
  const draw = (): void => {
    const s = store.state;
    const operator = s.session?.role === 'operator';
    render(root,
      h('div', { class: 'brand' }, h('img', { src: '/console/parley.svg', alt: '', width: 22, height: 22 }), h('span', {}, 'Parley'),
        h('span', { class: 'agreement' }, s.session ? `${s.session.agreement}` : '')),
      h('div', { class: 'tools' },
        h('button', { type: 'button', disabled: !operator, title: operator ? '' : 'Operators plan', onclick: () => plan({ type: 'operation' }) }, 'New operation'),
        h('button', { type: 'button', class: 'secondary', disabled: !operator, title: operator ? '' : 'Operators declare zones', onclick: () => plan({ type: 'zone' }) }, 'New zone')),
      form,
      h('button', {
        type: 'button', class: 'secondary', 'aria-pressed': s.centre === 'compliance' ? 'true' : 'false',
        onclick: () => actions.showCentre(store.state.centre === 'compliance' ? 'map' : 'compliance'),
      }, 'Compliance'),
      h('div', { class: 'tools end' },
        h('button', { type: 'button', class: 'ghost small', 'aria-label': 'Switch light or dark theme', onclick: toggleTheme }, '◐'),
        h('button', { type: 'button', class: 'ghost small', onclick: () => actions.signOut() }, 'Sign out')));
  };
  store.subscribe((s, p) => {
    if (s.session !== p.session || s.centre !== p.centre) draw();
  });
  draw();
}
