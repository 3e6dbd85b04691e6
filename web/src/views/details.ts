import type { ConflictView, ParleyFeature, RequestView } from '../api/types';
import type { MapView } from '../map/mapview';
import type { Actions } from '../store/actions';
import type { State, Store } from '../store/store';
import { h, render, utc } from '../util/dom';
import type { PlanMode } from './planner';

const shown = ['kind', 'owner', 'state', 'version', 'name', 'alt_min_m', 'alt_max_m', 'start', 'end', 'visibility', 'shared_with', 'radius_m', 'corridor_m'];

function properties(f: ParleyFeature): HTMLElement {
  const p = f.properties as Record<string, unknown>;
  const keys = [...shown.filter((k) => k in p), ...Object.keys(p).filter((k) => !shown.includes(k)).sort()];
  return h('dl', { class: 'props' }, keys.map((k) => [
    h('dt', {}, k.replace(/_/g, ' ')),
    h('dd', {}, k === 'start' || k === 'end' ? (p[k] ? utc(String(p[k])) : 'open-ended') : Array.isArray(p[k]) ? (p[k] as unknown[]).join(', ') : String(p[k] ?? '—')),
  ]));
}

function conflictLine(c: ConflictView): HTMLElement {
  return h('li', { class: c.area ? 'redacted' : '' }, h('strong', {}, `${c.owner} · ${c.kind}`), ' ',
    c.id ? h('code', {}, c.id) : h('span', { class: 'muted' }, `hidden — disclosed cell ${c.area?.resolution_metres ? Math.round(c.area.resolution_metres / 1000) + ' km' : ''}`),
    c.name ? ` (${c.name})` : '', c.exact === false ? h('span', { class: 'muted' }, ' — cell only, volumes do not overlap') : '');
}

function requestLine(r: RequestView, party: string): HTMLElement {
  const other = r.affected === party ? `from ${r.submitter}` : `to ${r.affected}`;
  return h('li', {}, h('code', {}, r.id), ` ${other}: `, h('span', { class: `badge state-${r.state}` }, r.state),
    r.reason ? ` “${r.reason}”` : '', r.state === 'open' ? ` — deadline ${utc(r.deadline)}` : r.closed ? ` — ${utc(r.closed)}` : '');
}

/** Details of the selection: every property the party may see, version, state, conflicts, requests, and what it may do. */
export function mountDetails(root: HTMLElement, store: Store, actions: Actions, map: MapView, plan: (mode: PlanMode) => void): void {
  const draw = (s: State): void => {
    const sel = s.selection;
    const party = s.session?.party ?? '';
    const operator = s.session?.role === 'operator';
    if (!sel) {
      render(root, h('h2', {}, 'Details'), h('p', { class: 'muted' }, 'Select a zone, an operation or a cell on the map, or search by id.'));
      return;
    }
    if (sel.type === 'zone') {
      const f = s.zones.get(sel.id);
      if (!f) {
        render(root, h('h2', {}, `Zone ${sel.id}`), h('p', { class: 'muted' }, 'Not in view, or not yours to see.'));
        return;
      }
      const own = f.properties.owner === party;
      render(root, h('h2', {}, h('span', { class: `kind-dot kind-${f.properties.kind}`, 'aria-hidden': 'true' }), f.properties.name ?? sel.id),
        h('p', { class: 'muted' }, h('code', {}, sel.id), ` · zone of ${f.properties.owner}`),
        properties(f),
        h('div', { class: 'row actions' },
          h('button', { type: 'button', class: 'secondary small', onclick: () => map.focus(f) }, 'Show on map'),
          own && operator ? h('button', { type: 'button', class: 'secondary small', onclick: () => plan({ type: 'zone', edit: f }) }, 'Replace') : null,
          own && operator ? h('button', { type: 'button', class: 'danger small', onclick: () => void actions.withdrawZone(sel.id) }, 'Withdraw') : null));
      return;
    }
    if (sel.type === 'operation') {
      const f = s.operations.get(sel.id);
      if (!f) {
        render(root, h('h2', {}, `Operation ${sel.id}`), h('p', { class: 'muted' }, 'Loading, or not yours to see.'));
        return;
      }
      const own = f.properties.owner === party;
      const state = String(f.properties.state ?? '');
      const conflicts = s.conflicts.get(sel.id) ?? [];
      const requests = [...s.requests.values()].filter((r) => r.operation === sel.id || r.counter_proposal === sel.id);
      const can = (action: string): boolean => own && operator && ({
        activate: ['accepted', 'concurred'], complete: ['active'], cancel: ['proposed', 'accepted', 'awaiting-concurrence', 'concurred', 'refused', 'expired', 'active'],
      } as Record<string, string[]>)[action]!.includes(state);
      render(root, h('h2', {}, f.properties.name ?? sel.id, ' ', h('span', { class: `badge state-${state}` }, state)),
        h('p', { class: 'muted' }, h('code', {}, sel.id), ` · operation of ${f.properties.owner}`),
        properties(f),
        own ? [h('h3', {}, `Conflicts (${conflicts.length})`), conflicts.length ? h('ul', { class: 'conflicts' }, conflicts.map(conflictLine)) : h('p', { class: 'muted' }, 'None.')] : null,
        requests.length ? [h('h3', {}, 'Concurrence requests'), h('ul', { class: 'requests' }, requests.map((r) => requestLine(r, party)))] : null,
        h('div', { class: 'row actions' },
          h('button', { type: 'button', class: 'secondary small', onclick: () => map.focus(f) }, 'Show on map'),
          own && operator && !['completed', 'cancelled'].includes(state) ? h('button', { type: 'button', class: 'secondary small', onclick: () => plan({ type: 'operation', edit: f }) }, 'Modify') : null,
          can('activate') ? h('button', { type: 'button', class: 'small', onclick: () => void actions.transition(sel.id, 'activate') }, 'Activate') : null,
          can('complete') ? h('button', { type: 'button', class: 'small', onclick: () => void actions.transition(sel.id, 'complete') }, 'Complete') : null,
          can('cancel') ? h('button', { type: 'button', class: 'danger small', onclick: () => void actions.transition(sel.id, 'cancel') }, 'Cancel operation') : null));
      return;
    }
    if (sel.type === 'conflict') {
      const c = sel.operation === 'draft' ? s.draftConflicts[sel.index] : s.conflicts.get(sel.operation)?.[sel.index];
      render(root, h('h2', {}, 'Conflict'), c ? [
        h('p', {}, `${sel.operation === 'draft' ? 'The checked draft' : `Operation ${sel.operation}`} meets a ${c.kind} ${c.type} of ${c.owner}.`),
        c.area ? h('p', { class: 'muted' }, `Its owner keeps it hidden: Parley discloses only the ${Math.round((c.area.resolution_metres ?? 0) / 1000)} km cell where they meet, the owner and the kind. Handle ${c.handle ?? ''}.`) : null,
        h('p', {}, 'Its owner is asked to concur; silence expires as a refusal.'),
      ] : h('p', { class: 'muted' }, 'Gone.'));
      return;
    }
    const r = s.requests.get(sel.id);
    render(root, h('h2', {}, `Request ${sel.id}`), r ? [
      h('ul', { class: 'requests' }, requestLine(r, party)),
      r.operation_feature ? [h('h3', {}, `Asking operation ${r.operation ?? ''}`), properties(r.operation_feature)]
        : h('p', { class: 'muted' }, `Asking operation of ${r.submitter}: hidden from you; disclosed as the hatched cell${r.operation_handle ? ` (handle ${r.operation_handle.slice(0, 12)}…)` : ''}.`),
      h('p', {}, `About your ${r.target_type} `, h('code', {}, r.target_id ?? r.target_handle ?? '?')),
    ] : h('p', { class: 'muted' }, 'Not one of your requests.'));
  };
  store.subscribe((s, p) => {
    if (s.selection !== p.selection || s.zones !== p.zones || s.operations !== p.operations || s.conflicts !== p.conflicts || s.requests !== p.requests || s.draftConflicts !== p.draftConflicts || s.session !== p.session) draw(s);
  });
  draw(store.state);
}
