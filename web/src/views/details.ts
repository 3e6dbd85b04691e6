import type { ConflictView, ParleyFeature, RequestView } from '../api/types';
import type { MapView } from '../map/mapview';
import type { Actions } from '../store/actions';
import type { State, Store } from '../store/store';
import { h, render, utc } from '../util/dom';
import type { PlanMode } from './planner';
import { incidentDetails } from './incident-details';
import { termSummary } from './terms';
import { termAreas } from '../model/terms';

const shown = ['kind', 'owner', 'state', 'version', 'name', 'alt_min_m', 'alt_max_m', 'start', 'end', 'visibility', 'shared_with', 'radius_m', 'corridor_m'];

function properties(f: ParleyFeature): HTMLElement {
  const p = f.properties as Record<string, unknown>;
  const keys = [...shown.filter((k) => k in p), ...Object.keys(p).filter((k) => !shown.includes(k) && k !== 'in_breach').sort()];
  return h('dl', { class: 'props' }, keys.map((k) => [
    h('dt', {}, k.replace(/_/g, ' ')),
    h('dd', {}, k === 'start' || k === 'end' ? (p[k] ? utc(String(p[k])) : 'open-ended') : Array.isArray(p[k]) ? (p[k] as unknown[]).join(', ') : String(p[k] ?? '—')),
  ]));
}

function conflictLine(c: ConflictView): HTMLElement {
  if (c.type === 'term') {
    return h('li', { class: 'breach' }, h('strong', {}, 'Breaches term '), h('code', {}, c.term ?? c.id ?? '?'), c.reason ? `: ${c.reason}` : '');
  }
  return h('li', { class: c.area ? 'redacted' : '' }, h('strong', {}, `${c.owner} · ${c.kind}`), ' ',
    c.id ? h('code', {}, c.id) : h('span', { class: 'muted' }, `hidden — disclosed cell ${c.area?.resolution_metres ? Math.round(c.area.resolution_metres / 1000) + ' km' : ''}`),
    c.name ? ` (${c.name})` : '', c.exact === false ? h('span', { class: 'muted' }, ' — cell only, volumes do not overlap') : '');
}

function requestLine(r: RequestView, party: string): HTMLElement {
  const other = r.affected === party ? `from ${r.submitter}` : `to ${r.affected}`;
  return h('li', {}, h('code', {}, r.id), ` ${other}`, r.target_type === 'term' ? [' about term ', h('code', {}, r.target_id ?? '?')] : '', ': ',
    h('span', { class: `badge state-${r.state}` }, r.state),
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
      const marks = Array.isArray(f.properties.in_breach) ? (f.properties.in_breach as string[]) : [];
      const termBreaches = conflicts.filter((c) => c.type === 'term');
      const termName = (id: string): string => s.agreement?.terms?.find((t) => t.id === id)?.name ?? '';
      render(root, h('h2', {}, f.properties.name ?? sel.id, ' ', h('span', { class: `badge state-${state}` }, state),
        marks.length ? [' ', h('span', { class: 'badge state-refused' }, 'in breach')] : null),
        h('p', { class: 'muted' }, h('code', {}, sel.id), ` · operation of ${f.properties.owner}`),
        marks.length || termBreaches.length ? h('section', { class: 'breaches', role: 'region', 'aria-label': 'Breaches' },
          h('h3', {}, 'Terms of the agreement'),
          h('ul', { class: 'conflicts' },
            marks.map((t) => h('li', { class: 'breach' }, h('strong', {}, 'In breach of '), h('code', {}, t), termName(t) ? ` (${termName(t)})` : '',
              ': a term that came into force binds it; it cannot be activated until it is modified to comply or cancelled.')),
            termBreaches.map((c) => h('li', { class: 'breach' }, h('strong', {}, 'Breaches '), h('code', {}, c.term ?? c.id ?? '?'), c.reason ? `: ${c.reason}` : '',
              '. The other parties are asked to concur.')))) : null,
        properties(f),
        own ? [h('h3', {}, `Conflicts (${conflicts.length - termBreaches.length})`), conflicts.length > termBreaches.length
          ? h('ul', { class: 'conflicts' }, conflicts.filter((c) => c.type !== 'term').map(conflictLine)) : h('p', { class: 'muted' }, 'None.')] : null,
        requests.length ? [h('h3', {}, 'Concurrence requests'), h('ul', { class: 'requests' }, requests.map((r) => requestLine(r, party)))] : null,
        h('div', { class: 'row actions' },
          h('button', { type: 'button', class: 'secondary small', onclick: () => map.focus(f) }, 'Show on map'),
          own && operator && !['completed', 'cancelled'].includes(state) ? h('button', { type: 'button', class: 'secondary small', onclick: () => plan({ type: 'operation', edit: f }) }, 'Modify') : null,
          can('activate') && marks.length === 0 ? h('button', { type: 'button', class: 'small', onclick: () => void actions.transition(sel.id, 'activate') }, 'Activate') : null,
          can('complete') ? h('button', { type: 'button', class: 'small', onclick: () => void actions.transition(sel.id, 'complete') }, 'Complete') : null,
          can('cancel') ? h('button', { type: 'button', class: 'danger small', onclick: () => void actions.transition(sel.id, 'cancel') }, 'Cancel operation') : null));
      return;
    }
    if (sel.type === 'incident') {
      const incident = s.incidents.get(sel.id);
      render(root, incident ? incidentDetails(incident, s, actions, map) : [h('h2', {}, `Incident ${sel.id}`), h('p', { class: 'muted' }, 'Loading, or not yours to see.')]);
      return;
    }
    if (sel.type === 'term') {
      const term = s.agreement?.terms?.find((t) => t.id === sel.id);
      if (!term) {
        render(root, h('h2', {}, `Term ${sel.id}`), h('p', { class: 'muted' }, 'Not a term of the version in force.'));
        return;
      }
      const areas = termAreas(term);
      const pending = [...s.amendments.values()].filter((a) => (a.state === 'proposed' || a.state === 'signed') &&
        [...(a.changes.replace_terms ?? []).map((t) => t.id), ...(a.changes.remove_terms ?? [])].includes(term.id));
      render(root, h('h2', {}, term.name ?? `Term ${term.id}`),
        h('p', { class: 'term-summary' }, termSummary(term, Date.now(), s.limitsUsed?.get(term.id))),
        h('dl', { class: 'props' },
          h('dt', {}, 'altitude'), h('dd', {}, term.alt_min_m === undefined && term.alt_max_m === undefined ? 'every altitude' : `${term.alt_min_m ?? '−∞'} to ${term.alt_max_m ?? '∞'} m`),
          h('dt', {}, 'on breach'), h('dd', {}, term.on_breach ?? 'refuse'),
          term.type === 'limit' ? [h('dt', {}, 'today'), h('dd', {}, 'The API gives no count of today\'s operations; none is computed here.')] : null),
        pending.length ? h('p', {}, `Amendment ${pending.map((a) => a.id).join(', ')} would change it: see Amendments.`) : null,
        h('div', { class: 'row actions' },
          areas.length ? h('button', { type: 'button', class: 'secondary small', onclick: () => map.focus(areas[0]!) }, 'Show on map') : null));
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
    if (s.selection !== p.selection || s.zones !== p.zones || s.operations !== p.operations || s.conflicts !== p.conflicts || s.requests !== p.requests ||
      s.draftConflicts !== p.draftConflicts || s.session !== p.session || s.incidents !== p.incidents || s.agreement !== p.agreement || s.amendments !== p.amendments) draw(s);
  });
  draw(store.state);
}
