import { tileLayer } from '../map/tiles';
import type { MapView } from '../map/mapview';
import type { Store } from '../store/store';
import { field, h, render } from '../util/dom';

const storedUrl = 'parley.tiles';

/** The optional basemap: an XYZ tile URL or a local PMTiles file; without one, outlines and a graticule. */
export function mountBasemap(root: HTMLElement, store: Store, map: MapView): void {
  const url = h('input', { type: 'url', placeholder: 'https://tiles.example/{z}/{x}/{y}.png', autocomplete: 'off', spellcheck: 'false' });
  const file = h('input', { type: 'file', accept: '.pmtiles' });
  const state = h('p', { class: 'hint' }, 'Outlines and graticule only.');
  const use = async (choice: { url: string } | { file: File }, label: string): Promise<void> => {
    try {
      map.setTiles(await tileLayer(choice));
      state.textContent = label;
    } catch (e) {
      store.notify('error', e instanceof Error ? e.message : String(e));
    }
  };
  url.value = localStorage.getItem(storedUrl) ?? '';
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (f) void use({ file: f }, `PMTiles: ${f.name}`);
  });
  render(root,
    h('h2', {}, 'Basemap'),
    field('XYZ tile URL', url),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'secondary small', onclick: () => {
        localStorage.setItem(storedUrl, url.value.trim());
        void use({ url: url.value.trim() }, `Tiles: ${url.value.trim()}`);
      } }, 'Use tiles'),
      h('button', { type: 'button', class: 'ghost small', onclick: () => {
        localStorage.removeItem(storedUrl);
        map.setTiles(null);
        state.textContent = 'Outlines and graticule only.';
      } }, 'None')),
    field('PMTiles file', file),
    state);
  if (url.value) void use({ url: url.value }, `Tiles: ${url.value}`);
}
