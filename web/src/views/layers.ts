import type { Actions } from '../store/actions';
import type { LayerId, Store } from '../store/store';
import { stateColours, termColours, zoneColours } from '../map/palette';
import { field, h, render } from '../util/dom';

const layerNames: [LayerId, string][] = [
  ['own-zones', 'Own zones'],
  ['zones', 'Zones of other parties'],
  ['own-operations', 'Own operations'],
  ['operations', 'Operations of other parties'],
  ['conflicts', 'Conflicts with hidden items'],
  ['probing', 'Probed zones'],
  ['designated-areas', 'Designated areas (terms)'],
  ['suspensions', 'Suspensions (terms)'],
  ['incidents', 'Incidents'],
];

function swatch(colour: string, extra = ''): HTMLElement {
  const el = h('span', { class: `swatch ${extra}`, 'aria-hidden': 'true' });
  el.style.setProperty('--c', colour);
  return el;
}

/** Layer toggles and the legend (colours by zone kind and operation state). */
export function mountLayers(root: HTMLElement, store: Store, actions: Actions): void {
  const toggles = layerNames.map(([id, name]) => {
    const box = h('input', { type: 'checkbox', checked: store.state.layers[id], onchange: (e: Event) => actions.setLayer(id, (e.target as HTMLInputElement).checked) });
    return h('label', { class: 'toggle' }, box, name);
  });
  render(root,
    h('h2', {}, 'Layers'),
    h('div', { class: 'toggles' }, toggles),
    h('h3', {}, 'Zones'),
    h('ul', { class: 'legend' }, Object.entries(zoneColours).map(([kind, c]) => h('li', {}, swatch(c), kind))),
    h('h3', {}, 'Operations'),
    h('ul', { class: 'legend' }, Object.entries(stateColours).map(([state, c]) => h('li', {}, swatch(c, 'op'), state))),
    h('ul', { class: 'legend' },
      h('li', {}, swatch('#b03a2e', 'hatched'), 'disclosed cell of a hidden item (owner · kind)'),
      h('li', {}, swatch('#5b6470', 'dashed'), 'other parties\' items are dashed')),
    h('h3', {}, 'Terms and incidents'),
    h('ul', { class: 'legend single', 'aria-label': 'Legend of terms and incidents' },
      h('li', {}, swatch(termColours['designated-area'], 'long-dash'), 'designated area: the bound operations must lie inside'),
      h('li', {}, swatch(termColours.suspension, 'cross-hatched'), 'suspension: no bound operation in the area during its window (in force or upcoming)'),
      h('li', {}, swatch(termColours.incident, 'dotted'), 'incident: its area of uncertainty (a violation candidate)'),
      h('li', {}, swatch(termColours.confirmed, 'dotted'), 'incident confirmed by its party\'s own admission')));
}

/** The time slider (what is active at t, or over a window from t) and the altitude band filter. */
export function mountFilters(root: HTMLElement, store: Store, actions: Actions): void {
  const day = 86_400_000;
  const base = Date.parse('2026-12-01T00:00:00Z');
  const enabled = h('input', { type: 'checkbox' });
  const slider = h('input', { type: 'range', min: -2 * 24 * 4, max: 5 * 24 * 4, step: 1, value: 32, 'aria-label': 'Time', disabled: true });
  const window = h('select', { disabled: true }, [['0', 'at that instant'], ['1', 'over 1 h'], ['6', 'over 6 h'], ['24', 'over 24 h']].map(([v, t]) => h('option', { value: v }, t)));
  const shown = h('output', { class: 'time-readout' }, 'All times');
  const altMin = h('input', { type: 'number', value: 0, step: 100, min: -500, max: 30000 });
  const altMax = h('input', { type: 'number', value: 20000, step: 100, min: -500, max: 30000 });
  const apply = (): void => {
    slider.disabled = window.disabled = !enabled.checked;
    const t = new Date(base + Number(slider.value) * 15 * 60_000).toISOString();
    shown.textContent = enabled.checked ? `${t.slice(0, 16).replace('T', ' ')}Z ${window.selectedOptions[0]?.textContent ?? ''}` : 'All times';
    actions.setFilter({
      time: enabled.checked ? t : null, windowHours: Number(window.value),
      altMin: Number(altMin.value || -Infinity), altMax: Number(altMax.value || Infinity),
    });
  };
  for (const el of [enabled, slider, window, altMin, altMax]) el.addEventListener('input', apply);
  void day;
  render(root,
    h('h2', {}, 'Time and altitude'),
    h('label', { class: 'toggle' }, enabled, 'Show only what is active'),
    slider, shown,
    field('Window', window),
    h('div', { class: 'row' }, field('Altitude from', altMin), field('Altitude to', altMax)),
    h('small', { class: 'hint' }, 'Metres above mean sea level; items whose band meets it are shown.'));
  void store;
}
