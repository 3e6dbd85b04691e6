import Feature from 'ol/Feature';
import OlMap from 'ol/Map';
import View from 'ol/View';
import { ScaleLine, Zoom } from 'ol/control';
import type Geometry from 'ol/geom/Geometry';
import LineString from 'ol/geom/LineString';
import type Polygon from 'ol/geom/Polygon';
import type Circle from 'ol/geom/Circle';
import Draw, { type GeometryFunction } from 'ol/interaction/Draw';
import VectorLayer from 'ol/layer/Vector';
import { fromLonLat, toLonLat, transformExtent } from 'ol/proj';
import VectorSource from 'ol/source/Vector';
import { getDistance } from 'ol/sphere';
import type { ParleyFeature } from '../api/types';
import type { Actions } from '../store/actions';
import type { LayerId, State, Store } from '../store/store';
import { createBasemap } from './basemap';
import { clearStyles, styleFor, type Meta } from './styles';
import { MergedZones, styleGroup } from './dense';
import { cellGeometry, toMapGeometry } from './shapes';
import { h, render } from '../util/dom';
import { drawnTerms, termAreas, termScope, termStatus, termWindow } from '../model/terms';
import { incidentFeature, isConfirmed } from '../model/incidents';

export type DrawKind = 'polygon' | 'circle' | 'corridor';

/** What a finished drawing gives the planner: a GeoJSON geometry and, for a circle or corridor, its size in metres. */
export interface Drawn {
  geometry: ParleyFeature['geometry'];
  radiusM?: number;
}

type Layer = VectorLayer<VectorSource<Feature<Geometry>>>;

const labelResolution = 40; // metres per pixel below which every item is labelled (overlapping labels are left out)

function timeOf(iso: unknown, fallback: number): number {
  const t = typeof iso === 'string' ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? fallback : t;
}

function metaOf(f: ParleyFeature, category: 'zone' | 'operation', party: string): Meta {
  const p = f.properties;
  const g = f.geometry;
  const lat = g && 'coordinates' in g ? firstLat(g.coordinates) : 0;
  const meta: Meta = {
    category, id: String(f.id), kind: p.kind, state: String(p.state ?? ''), own: p.owner === party,
    label: `${p.name ?? f.id}${category === 'operation' ? ` · ${p.state}` : ''}`,
    corridorM: Number(p.corridor_m ?? 0), lat,
    start: timeOf(p.start, -Infinity), end: timeOf(p.end, Infinity), altMin: Number(p.alt_min_m ?? -Infinity), altMax: Number(p.alt_max_m ?? Infinity),
  };
  meta.group = styleGroup(meta);
  return meta;
}

/**
 * The map: one canvas layer per kind of item, rendered from the store (own zones, visible zones, own
 * operations, visible operations, disclosed conflict cells, probed zones, the draft). It dispatches selection
 * and the box in view; it never calls the API.
 */
export class MapView {
  readonly map: OlMap;
  private readonly layers: Record<LayerId | 'draft', Layer>;
  private readonly merged: { 'own-zones': MergedZones; zones: MergedZones };
  private readonly features = new Map<string, { feature: Feature<Geometry>; source: ParleyFeature; layer: LayerId }>();
  private draw: Draw | null = null;
  private selectedId: string | null = null;
  private fitted = false; // whether the first picture was drawn
  private readonly refreshBasemap: () => void;

  private readonly summary: HTMLUListElement;

  constructor(target: HTMLElement, private readonly store: Store, private readonly actions: Actions) {
    this.summary = h('ul', { class: 'visually-hidden', 'aria-label': 'Map contents', 'aria-live': 'polite' });
    target.append(this.summary);
    const basemap = createBasemap();
    this.refreshBasemap = basemap.refresh;
    const style = (f: import('ol/Feature').FeatureLike, resolution: number) => {
      // Merged zones first: a set lookup spares the thousands of them the filters, already applied when merged.
      if (this.merged.zones.has(f) || this.merged['own-zones'].has(f)) return undefined;
      const meta = f.get('meta') as Meta;
      if (!this.passes(meta)) return undefined;
      return styleFor(f, resolution, this.selectedId, resolution < labelResolution);
    };
    const layer = (name: string, z: number, declutter = false): Layer =>
      new VectorLayer({ source: new VectorSource(), style, zIndex: z, properties: { name }, declutter });
    // The zone layers hold the thousands: unsorted (sorting 10,000 features on every redraw costs more than drawing
    // them; zones of one layer share their z-index, so only overlaps of the same layer may stack differently).
    const dense = (name: string, z: number): Layer => {
      const l = layer(name, z, true);
      l.setRenderOrder(null);
      return l;
    };
    this.layers = {
      zones: dense('zones', 10), 'own-zones': dense('own-zones', 11), operations: layer('operations', 20, true), 'own-operations': layer('own-operations', 21, true),
      conflicts: layer('conflicts', 30), probing: layer('probing', 35), draft: layer('draft', 40),
      'designated-areas': layer('designated-areas', 5), suspensions: layer('suspensions', 6), incidents: layer('incidents', 32),
    };
    // The zones only a few pixels across at this zoom, drawn merged per style under their layer.
    const mergedOf = (id: 'zones' | 'own-zones', z: number): MergedZones => new MergedZones(
      this.layers[id].getSource()!, `${id}-merged`, z,
      (meta) => meta.id !== this.selectedId && this.passes(meta),
      (zone, resolution) => styleFor(zone, resolution, null, false),
      labelResolution,
    );
    this.merged = { zones: mergedOf('zones', 10), 'own-zones': mergedOf('own-zones', 11) };
    this.map = new OlMap({
      target,
      layers: [...basemap.layers, this.merged.zones.layer, this.merged['own-zones'].layer, ...Object.values(this.layers)],
      controls: [new Zoom(), new ScaleLine({ units: 'metric' })],
      view: new View({ center: fromLonLat([9.2, 42.2]), zoom: 9, maxZoom: 18, minZoom: 2 }),
    });
    // For diagnostics and the console benchmark: the map is reachable from its element, not from a global.
    (target as HTMLElement & { parleyMap?: OlMap }).parleyMap = this.map;
    this.map.getView().on('change:resolution', () => {
      const resolution = this.map.getView().getResolution();
      if (resolution) for (const m of Object.values(this.merged)) m.zoomed(resolution);
    });
    this.map.on('moveend', () => {
      this.requestView();
      this.writeHash();
    });
    this.map.on('singleclick', (e) => {
      if (this.draw) return;
      const hit = this.map.forEachFeatureAtPixel(e.pixel, (f, layer) => {
        if (!f.get('merged')) return f.get('meta') as Meta | undefined;
        // A merged group: the zone of it under the pointer.
        const tolerance = 4 * this.map.getView().getResolution()!;
        const group = Object.values(this.merged).find((m) => m.layer === layer);
        return group?.memberAt(e.coordinate, tolerance)?.get('meta') as Meta | undefined;
      }, { hitTolerance: 4 });
      if (!hit) this.actions.select(null);
      else if (hit.category === 'zone') this.actions.select({ type: 'zone', id: hit.id });
      else if (hit.category === 'operation') this.actions.select({ type: 'operation', id: hit.id });
      else if (hit.category === 'incident') this.actions.select({ type: 'incident', id: hit.id });
      else if (hit.category === 'designated-area' || hit.category === 'suspension') this.actions.select({ type: 'term', id: hit.id });
      else if (hit.category === 'cell') {
        const [kind, id, index] = hit.id.split('|');
        if (kind === 'request' && id) this.actions.select({ type: 'request', id });
        else if (id) this.actions.select({ type: 'conflict', operation: id, index: Number(index) });
      }
    });
    this.map.on('pointermove', (e) => {
      if (e.dragging) return;
      target.style.cursor = this.map.hasFeatureAtPixel(e.pixel, { layerFilter: (l) => l.get('name') !== 'basemap' }) ? 'pointer' : '';
    });
    store.subscribe((s, p) => this.onState(s, p));
    this.onState(store.state, { ...store.state, zones: new Map(), operations: new Map(), conflicts: new Map(), requests: new Map(), probing: null });
  }

  /** The box in view (west, south, east, north), padded by a quarter on each side. */
  viewBox(): [number, number, number, number] {
    const size = this.map.getSize() ?? [1280, 800];
    const extent = this.map.getView().calculateExtent(size);
    const [w, s, e, n] = transformExtent(extent, 'EPSG:3857', 'EPSG:4326') as [number, number, number, number];
    const padX = (e - w) / 4;
    const padY = (n - s) / 4;
    return [Math.max(-180, w - padX), Math.max(-90, s - padY), Math.min(180, e + padX), Math.min(90, n + padY)];
  }

  private viewTimer: ReturnType<typeof setTimeout> | null = null;

  private requestView(): void {
    if (this.viewTimer) clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => void this.actions.loadView(this.viewBox()), 120);
  }

  private parsedTime: { iso: string; ms: number } = { iso: '', ms: NaN };

  /** The filter's instant, parsed once per value rather than once per feature and redraw. */
  private filterTime(iso: string): number {
    if (this.parsedTime.iso !== iso) this.parsedTime = { iso, ms: Date.parse(iso) };
    return this.parsedTime.ms;
  }

  private passes(meta: Meta): boolean {
    if (meta.category === 'draft' || meta.category === 'cell' || meta.category === 'probe') return true;
    if (meta.category === 'designated-area' || meta.category === 'suspension' || meta.category === 'incident') {
      // Terms and incidents answer the time filter by their window, and are never hidden by the altitude band.
      const f = this.store.state.filter;
      if (!f.time) return true;
      const from = this.filterTime(f.time);
      const to = from + Math.max(f.windowHours, 0) * 3_600_000;
      return f.windowHours > 0 ? meta.start < to && meta.end > from : meta.start <= from && meta.end > from;
    }
    const f = this.store.state.filter;
    if (meta.altMax < f.altMin || meta.altMin > f.altMax) return false;
    if (f.time) {
      const from = this.filterTime(f.time);
      const to = from + Math.max(f.windowHours, 0) * 3_600_000;
      // Active at the instant, or at some time in [from, to) when a window is set.
      if (f.windowHours > 0 ? !(meta.start < to && meta.end > from) : !(meta.start <= from && meta.end > from)) return false;
    }
    return true;
  }

  private onState(s: State, p: State): void {
    const party = s.session?.party ?? '';
    if (s.zones !== p.zones || s.operations !== p.operations || s.session !== p.session) {
      this.sync(s, party);
      if (!this.fitted && s.zones.size > 0) {
        // Navigation to a map drawn with the party's picture: the console's time to interactive.
        this.fitted = true;
        this.map.once('rendercomplete', () => performance.mark('parley-interactive'));
      }
    }
    if (s.conflicts !== p.conflicts || s.requests !== p.requests || s.draftConflicts !== p.draftConflicts) this.syncCells(s);
    if (s.probing !== p.probing || s.zones !== p.zones) this.syncProbes(s);
    if (s.agreement !== p.agreement) this.syncTerms(s);
    if (s.incidents !== p.incidents) this.syncIncidents(s);
    if (s.layers !== p.layers) {
      for (const [id, on] of Object.entries(s.layers)) this.layers[id as LayerId].setVisible(on);
      this.merged.zones.layer.setVisible(s.layers.zones);
      this.merged['own-zones'].layer.setVisible(s.layers['own-zones']);
    }
    const selectedId = s.selection && 'id' in s.selection ? s.selection.id : null;
    const selectionChanged = selectedId !== this.selectedId;
    this.selectedId = selectedId;
    // What is merged depends on the zones, the filters and the selection (a selected zone is drawn on its own).
    this.remerge(s.filter);
    if (s.filter !== p.filter || selectionChanged) {
      for (const l of Object.values(this.layers)) l.changed();
    }
    if (s.session !== p.session && s.session) this.requestView();
    if (s.zones !== p.zones || s.operations !== p.operations || s.conflicts !== p.conflicts || s.requests !== p.requests || s.draftConflicts !== p.draftConflicts || s.probing !== p.probing ||
      s.agreement !== p.agreement || s.incidents !== p.incidents) {
      this.summarise(s);
    }
  }

  /** Regroups the merged zones when the zones, the filters or the selection changed. */
  private remerge(filter: State['filter']): void {
    const resolution = this.map.getView().getResolution();
    if (!resolution) return;
    for (const m of Object.values(this.merged)) {
      if (m.refresh(resolution, [filter, this.selectedId])) this.layers[m === this.merged.zones ? 'zones' : 'own-zones'].changed();
    }
  }

  /** Adds, replaces and removes map features so that they match the store (by id and version). */
  private sync(s: State, party: string): void {
    const seen = new Set<string>();
    const put = (f: ParleyFeature, category: 'zone' | 'operation'): void => {
      const own = f.properties.owner === party;
      const layer: LayerId = category === 'zone' ? (own ? 'own-zones' : 'zones') : own ? 'own-operations' : 'operations';
      const key = `${category}:${f.id}`;
      seen.add(key);
      const known = this.features.get(key);
      // A listing read again after a pan brings the same items as new objects: keep the map feature of an item whose
      // version and state have not changed, so that a pan costs no rebuild.
      if (known && (known.source === f || (known.source.properties.version === f.properties.version &&
        known.source.properties.state === f.properties.state && known.layer === layer))) {
        known.source = f;
        return;
      }
      if (known) this.layers[known.layer].getSource()!.removeFeature(known.feature);
      const geometry = toMapGeometry(f);
      if (!geometry) return;
      const feature = new Feature<Geometry>({ geometry });
      feature.set('meta', metaOf(f, category, party));
      this.layers[layer].getSource()!.addFeature(feature);
      this.features.set(key, { feature, source: f, layer });
    };
    for (const f of s.zones.values()) put(f, 'zone');
    for (const f of s.operations.values()) put(f, 'operation');
    for (const [key, known] of this.features) {
      if (!seen.has(key)) {
        this.layers[known.layer].getSource()!.removeFeature(known.feature);
        this.features.delete(key);
      }
    }
  }

  /**
   * Disclosed cells: each conflict of the party's operations with something it may not see, and each open
   * request's asking operation as disclosed to the party asked. Hatched, labelled with owner and kind.
   */
  private syncCells(s: State): void {
    const source = this.layers.conflicts.getSource()!;
    source.clear(true);
    const add = (id: string, cell: NonNullable<ParleyFeature['properties']['area']> | undefined, label: string): void => {
      if (!cell) return;
      const feature = new Feature<Geometry>({ geometry: cellGeometry(cell as never) });
      feature.set('meta', { category: 'cell', id, kind: '', state: '', own: false, label, corridorM: 0, lat: 0, start: -Infinity, end: Infinity, altMin: -Infinity, altMax: Infinity } satisfies Meta);
      source.addFeature(feature);
    };
    for (const [operation, conflicts] of s.conflicts) {
      conflicts.forEach((c, i) => {
        if (c.area) add(`conflict|${operation}|${i}`, c.area as never, `${c.owner} · ${c.kind}`);
      });
    }
    s.draftConflicts.forEach((c, i) => {
      if (c.area) add(`conflict|draft|${i}`, c.area as never, `${c.owner} · ${c.kind} (check)`);
    });
    for (const r of s.requests.values()) {
      if (r.state === 'open' && r.affected === s.session?.party && r.area && !r.operation_feature) {
        add(`request|${r.id}`, r.area as never, `${r.submitter} · operation (${r.id})`);
      }
    }
  }

  /** The terms' designated areas and suspensions in force or upcoming, each labelled with whom it binds and when. */
  private syncTerms(s: State): void {
    const now = Date.now();
    this.layers['designated-areas'].getSource()!.clear(true);
    this.layers.suspensions.getSource()!.clear(true);
    for (const term of drawnTerms(s.agreement?.terms, now)) {
      const suspension = term.type === 'suspension';
      const status = termStatus(term, now) === 'upcoming' ? 'upcoming' : 'in force';
      for (const area of termAreas(term)) {
        const geometry = toMapGeometry(area);
        if (!geometry) continue;
        const feature = new Feature<Geometry>({ geometry });
        const p = area.properties;
        feature.set('meta', {
          category: suspension ? 'suspension' : 'designated-area', id: term.id, kind: term.type, state: status, own: false,
          label: suspension ? `Suspended: ${termScope(term)} · ${termWindow(term)} (${status})` : `Designated area: ${termScope(term)} (${status})`,
          corridorM: Number(p.corridor_m ?? 0), lat: firstLat((area.geometry as { coordinates?: unknown }).coordinates),
          start: timeOf(p.start, -Infinity), end: timeOf(p.end, Infinity), altMin: -Infinity, altMax: Infinity,
        } satisfies Meta);
        this.layers[suspension ? 'suspensions' : 'designated-areas'].getSource()!.addFeature(feature);
      }
    }
  }

  /** The incidents the party may see, each as its area of uncertainty. */
  private syncIncidents(s: State): void {
    const source = this.layers.incidents.getSource()!;
    source.clear(true);
    for (const incident of s.incidents.values()) {
      const area = incidentFeature(incident);
      const geometry = area ? toMapGeometry(area) : null;
      if (!area || !geometry) continue;
      const feature = new Feature<Geometry>({ geometry });
      const p = incident.report.properties;
      const start = p.start ? Date.parse(p.start) : p.at ? Date.parse(p.at) : -Infinity;
      feature.set('meta', {
        category: 'incident', id: incident.id, kind: incident.kind, state: isConfirmed(incident) ? 'confirmed' : 'candidate', own: false,
        label: `${incident.id} · ${incident.kind}`, corridorM: Number(area.properties.corridor_m ?? 0), lat: firstLat((area.geometry as { coordinates?: unknown }).coordinates),
        start, end: p.end ? Date.parse(p.end) : Infinity, altMin: -Infinity, altMax: Infinity,
      } satisfies Meta);
      source.addFeature(feature);
    }
  }

  /** The party's own zones that others' checks touched while hidden from them. */
  private syncProbes(s: State): void {
    const source = this.layers.probing.getSource()!;
    source.clear(true);
    const counts = new Map<string, number>();
    for (const r of s.probing?.requesters ?? []) {
      for (const z of r.zones) counts.set(z.zone, (counts.get(z.zone) ?? 0) + z.count);
    }
    for (const [zone, count] of counts) {
      const f = s.zones.get(zone);
      const geometry = f ? toMapGeometry(f) : null;
      if (!f || !geometry) continue;
      const feature = new Feature<Geometry>({ geometry });
      feature.set('meta', { ...metaOf(f, 'zone', s.session?.party ?? ''), category: 'probe', label: `probed ×${count}` } satisfies Meta);
      source.addFeature(feature);
    }
  }

  /** A text summary of what the canvas shows, for screen readers: counts per layer and every disclosed cell. */
  private summarise(s: State): void {
    const cells = this.layers.conflicts.getSource()!.getFeatures().map((f) => (f.get('meta') as Meta).label);
    const count = (l: LayerId): number => this.layers[l].getSource()!.getFeatures().length;
    render(this.summary,
      h('li', {}, `${count('own-zones')} own zones, ${count('zones')} zones of other parties`),
      h('li', {}, `${count('own-operations')} own operations, ${count('operations')} operations of other parties`),
      cells.map((c) => h('li', { class: 'cell' }, `Hatched cell: ${c}`)),
      this.layers.suspensions.getSource()!.getFeatures().map((f) => h('li', { class: 'term' }, (f.get('meta') as Meta).label)),
      this.layers['designated-areas'].getSource()!.getFeatures().map((f) => h('li', { class: 'term' }, (f.get('meta') as Meta).label)),
      s.incidents.size ? h('li', {}, `${count('incidents')} incidents, each drawn as its area of uncertainty`) : null,
      s.probing?.requesters.length ? h('li', {}, `${count('probing')} probed zones`) : null);
  }

  /** Shows the draft geometry of the planner (or nothing). */
  showDraft(feature: ParleyFeature | null): void {
    const source = this.layers.draft.getSource()!;
    source.clear(true);
    if (!feature) return;
    const geometry = toMapGeometry(feature);
    if (!geometry) return;
    const f = new Feature<Geometry>({ geometry });
    f.set('meta', { ...metaOf(feature, 'operation', ''), category: 'draft' } satisfies Meta);
    source.addFeature(f);
  }

  /** Lets the user draw a polygon, a circle (centre and radius) or a corridor (a line); calls back once. */
  startDraw(kind: DrawKind, done: (drawn: Drawn) => void): void {
    this.stopDraw();
    const source = this.layers.draft.getSource()!;
    source.clear(true);
    const draw = new Draw({
      source,
      type: kind === 'polygon' ? 'Polygon' : kind === 'circle' ? 'Circle' : 'LineString',
      ...(kind === 'circle' ? { geometryFunction: undefined as GeometryFunction | undefined } : {}),
    });
    draw.on('drawend', (e) => {
      const geometry = e.feature.getGeometry();
      this.stopDraw();
      if (!geometry) return;
      if (kind === 'circle') {
        const circle = geometry as Circle;
        const centre = toLonLat(circle.getCenter());
        const edge = toLonLat([circle.getCenter()[0]! + circle.getRadius(), circle.getCenter()[1]!]);
        const radiusM = Math.round(getDistance(centre, [edge[0]!, centre[1]!]));
        done({ geometry: { type: 'Point', coordinates: [round(centre[0]!), round(centre[1]!)] }, radiusM });
      } else if (kind === 'corridor') {
        const line = geometry as LineString;
        done({ geometry: { type: 'LineString', coordinates: line.getCoordinates().map((c) => toLonLat(c).map(round)) } });
      } else {
        const polygon = geometry as Polygon;
        done({ geometry: { type: 'Polygon', coordinates: polygon.getCoordinates().map((ring) => ring.map((c) => toLonLat(c).map(round))) } });
      }
    });
    this.draw = draw;
    this.map.addInteraction(draw);
  }

  stopDraw(): void {
    if (this.draw) {
      this.map.removeInteraction(this.draw);
      this.draw = null;
    }
  }

  /** The view in the address (`#map=zoom/lat/lon`), so that a view can be shared or bookmarked; no credential ever goes there. */
  private writeHash(): void {
    const view = this.map.getView();
    const centre = toLonLat(view.getCenter() ?? [0, 0]);
    const hash = `#map=${(view.getZoom() ?? 0).toFixed(2)}/${centre[1]!.toFixed(5)}/${centre[0]!.toFixed(5)}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  /** Applies a `#map=zoom/lat/lon` address; false when there is none. */
  readHash(): boolean {
    const m = /^#map=([\d.]+)\/(-?[\d.]+)\/(-?[\d.]+)$/.exec(location.hash);
    if (!m) return false;
    this.centre([Number(m[3]), Number(m[2])], Number(m[1]));
    return true;
  }

  /** Centres the map on an item of the store (or a GeoJSON feature). */
  focus(feature: ParleyFeature): void {
    const geometry = toMapGeometry(feature);
    if (!geometry) return;
    this.map.getView().fit(geometry.getExtent(), { padding: [80, 80, 80, 80], maxZoom: 13, duration: 250 });
  }

  focusCell(cell: { west: number; south: number; east: number; north: number }): void {
    const extent = transformExtent([cell.west, cell.south, cell.east, cell.north], 'EPSG:4326', 'EPSG:3857');
    this.map.getView().fit(extent, { padding: [120, 120, 120, 120], maxZoom: 12, duration: 250 });
  }

  /** Centres on the middle of the items in the store. */
  centre(lonLat: [number, number], zoom: number): void {
    this.map.getView().setCenter(fromLonLat(lonLat));
    this.map.getView().setZoom(zoom);
  }

  private tiles: import('ol/layer/Base').default | null = null;

  /** Puts an operator's basemap under the outlines (or takes it away with null). */
  setTiles(layer: import('ol/layer/Base').default | null): void {
    if (this.tiles) this.map.removeLayer(this.tiles);
    this.tiles = layer;
    if (layer) this.map.addLayer(layer);
  }

  themeChanged(): void {
    clearStyles();
    this.refreshBasemap();
    for (const l of Object.values(this.layers)) l.changed();
    for (const m of Object.values(this.merged)) m.layer.changed();
  }
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** The latitude of a geometry's first position (corridors are drawn as wide as they are at that latitude). */
function firstLat(coordinates: unknown): number {
  let c = coordinates;
  while (Array.isArray(c) && Array.isArray(c[0])) c = c[0];
  return Array.isArray(c) && typeof c[1] === 'number' ? c[1] : 0;
}
