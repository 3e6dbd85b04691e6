import type { ParleyFeature, RequestView } from '../api/types';
import type { DrawKind, MapView } from '../map/mapview';
import type { Actions } from '../store/actions';
import type { Store } from '../store/store';
import { field, h, render } from '../util/dom';

export type PlanMode =
  | { type: 'operation'; edit?: ParleyFeature }
  | { type: 'zone'; edit?: ParleyFeature }
  | { type: 'counter'; request: RequestView; reason: string };

const operationKinds = ['strike', 'flight', 'ground-movement', 'artillery', 'naval', 'humanitarian-movement'];
const zoneKinds = ['protected', 'restricted', 'designated'];

/** Touches of hidden zones made from this tab (the server counts every one against the party's probing budget). */
const touches: number[] = [];

function touchSummary(): string {
  const now = Date.now();
  const hour = touches.filter((t) => now - t < 3_600_000).length;
  const day = touches.filter((t) => now - t < 86_400_000).length;
  return `Probing budget: ${hour} check(s) touching hidden zones in the last hour and ${day} today from this console ` +
    '(the agreement allows 30 an hour and 200 a day unless it says otherwise; past that, checks wait).';
}

function isoOrNull(text: string, name: string): string | null {
  const t = text.trim();
  if (!t) return null;
  const normalised = /[zZ]|[+-]\d\d:\d\d$/.test(t) ? t : `${t}Z`;
  const d = new Date(normalised.replace(' ', 'T'));
  if (Number.isNaN(d.getTime())) throw new Error(`${name}: not a time (e.g. 2026-12-01T08:00Z)`);
  return d.toISOString().replace('.000Z', 'Z');
}

/**
 * The planner: draw a polygon, a circle or a corridor on the map, or paste GeoJSON; set kind, altitude band, window,
 * visibility and sharing; check, then submit. Declares and replaces zones, submits and modifies operations, and
 * builds counter-proposals.
 */
export class Planner {
  private mode: PlanMode | null = null;
  private lastProposed = '';
  private readonly fields = {
    id: h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' }),
    name: h('input', { type: 'text', autocomplete: 'off' }),
    kind: h('input', { type: 'text', list: 'kinds', autocomplete: 'off' }),
    altMin: h('input', { type: 'number', step: 50, value: 0 }),
    altMax: h('input', { type: 'number', step: 50, value: 3000 }),
    start: h('input', { type: 'text', placeholder: '2026-12-01T08:00Z', autocomplete: 'off' }),
    end: h('input', { type: 'text', placeholder: '2026-12-01T09:00Z (empty: open-ended)', autocomplete: 'off' }),
    visibility: h('select', {}, ['private', 'parties', 'public'].map((v) => h('option', { value: v }, v))),
    sharedWith: h('input', { type: 'text', placeholder: 'aid, red', autocomplete: 'off' }),
    size: h('input', { type: 'number', min: 1, step: 50 }),
    geojson: h('textarea', { rows: 4, spellcheck: 'false', placeholder: '{"type":"Polygon","coordinates":[…]}' }),
  };
  private readonly kinds = h('datalist', { id: 'kinds' });
  private readonly title = h('h2', {});
  private readonly budget = h('p', { class: 'hint budget' });
  private readonly conflicts = h('div', { class: 'check-result', 'aria-live': 'polite' });
  private readonly sizeField = field('Radius or half-width (m)', this.fields.size);
  private readonly checkButton = h('button', { type: 'button', class: 'secondary', onclick: () => void this.check() }, 'Check');
  private readonly submitButton = h('button', { type: 'submit' }, 'Submit');
  readonly element: HTMLFormElement;

  constructor(private readonly store: Store, private readonly actions: Actions, private readonly map: MapView, private readonly onClose: () => void) {
    const file = h('input', { type: 'file', accept: '.geojson,.json,application/geo+json,application/json', class: 'visually-hidden', tabindex: -1 });
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (f) void f.text().then((t) => { this.fields.geojson.value = t; this.fromGeoJson(); });
    });
    const draw = (kind: DrawKind, label: string): HTMLButtonElement => h('button', {
      type: 'button', class: 'secondary small', onclick: () => this.map.startDraw(kind, (d) => {
        this.fields.geojson.value = JSON.stringify(d.geometry);
        if (d.radiusM) this.fields.size.value = String(d.radiusM);
        else if (kind === 'corridor' && !this.fields.size.value) this.fields.size.value = '1000';
        this.preview();
      }),
    }, label);
    this.fields.geojson.addEventListener('change', () => this.fromGeoJson());
    for (const f of [this.fields.size, this.fields.geojson]) f.addEventListener('input', () => this.preview());
    this.element = h('form', { class: 'planner', 'aria-label': 'Planner' },
      this.title, this.kinds,
      h('div', { class: 'row' }, field('Id', this.fields.id), field('Name', this.fields.name)),
      h('div', { class: 'row' }, field('Kind', this.fields.kind), field('Visibility', this.fields.visibility)),
      h('div', { class: 'row' }, field('Altitude from (m)', this.fields.altMin), field('Altitude to (m)', this.fields.altMax)),
      h('div', { class: 'row' }, field('Start', this.fields.start), field('End', this.fields.end)),
      h('div', { class: 'row' }, field('Shared with', this.fields.sharedWith), this.sizeField),
      h('div', { class: 'row draw' }, h('span', { class: 'muted' }, 'Draw:'), draw('polygon', 'Polygon'), draw('circle', 'Circle'), draw('corridor', 'Corridor'),
        h('button', { type: 'button', class: 'secondary small', onclick: () => file.click() }, 'Import…'), file),
      field('GeoJSON', this.fields.geojson, 'A geometry or a Feature (its properties fill the form); drawing fills it in.'),
      this.budget,
      this.conflicts,
      h('div', { class: 'row actions' }, this.checkButton, this.submitButton,
        h('button', { type: 'button', class: 'ghost', onclick: () => this.close() }, 'Cancel')));
    this.element.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
  }

  open(mode: PlanMode): void {
    this.mode = mode;
    this.actions.clearDraftConflicts();
    render(this.conflicts);
    const party = this.store.state.session?.party ?? 'me';
    const edit = mode.type === 'counter' ? mode.request.operation_feature : mode.edit;
    const p = edit?.properties;
    this.title.textContent = mode.type === 'zone' ? (mode.edit ? `Replace zone ${mode.edit.id}` : 'New zone')
      : mode.type === 'counter' ? `Counter-propose (${mode.request.id})` : mode.edit ? `Modify ${mode.edit.id}` : 'New operation';
    render(this.kinds, (mode.type === 'zone' ? zoneKinds : operationKinds).map((k) => h('option', { value: k })));
    this.fields.id.value = edit && mode.type !== 'counter' ? String(edit.id) : this.proposeId(party, mode.type === 'zone' ? 'zone' : 'op');
    this.fields.id.readOnly = Boolean(edit) || mode.type === 'counter';
    this.fields.name.value = String(p?.name ?? '');
    this.fields.kind.value = String(p?.kind ?? (mode.type === 'zone' ? 'protected' : 'strike'));
    this.fields.altMin.value = String(p?.alt_min_m ?? 0);
    this.fields.altMax.value = String(p?.alt_max_m ?? (mode.type === 'zone' ? 20000 : 3000));
    this.fields.start.value = p?.start ? String(p.start) : '2026-12-01T08:00:00Z';
    this.fields.end.value = p?.end ? String(p.end) : mode.type === 'zone' ? '' : '2026-12-01T09:00:00Z';
    this.fields.visibility.value = String(p?.visibility ?? 'private');
    this.fields.sharedWith.value = (p?.shared_with ?? []).join(', ');
    this.fields.size.value = String(p?.radius_m ?? p?.corridor_m ?? '');
    this.fields.geojson.value = edit?.geometry ? JSON.stringify(edit.geometry)
      : mode.type === 'counter' && mode.request.area ? JSON.stringify(cellPolygon(mode.request.area)) : '';
    this.checkButton.hidden = mode.type === 'zone';
    this.budget.hidden = mode.type === 'zone';
    this.budget.textContent = touchSummary();
    this.preview();
    this.fields.id.readOnly ? this.fields.kind.focus() : this.fields.id.focus();
  }

  /**
   * Month, day, time to the second and four random letters, never the id proposed last: plans opened in the same
   * second (or under a page clock held still) stay apart.
   */
  private proposeId(party: string, kind: 'zone' | 'op'): string {
    const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(4, 14);
    let id: string;
    do {
      const letters = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => String.fromCharCode(97 + (b % 26))).join('');
      id = `${party}-${kind}-${stamp}${letters}`;
    } while (id === this.lastProposed);
    this.lastProposed = id;
    return id;
  }

  close(): void {
    this.map.stopDraw();
    this.map.showDraft(null);
    this.actions.clearDraftConflicts();
    this.mode = null;
    this.onClose();
  }

  /** Reads a pasted Feature's properties into the form; a bare geometry only sets the geometry. */
  private fromGeoJson(): void {
    try {
      let value = JSON.parse(this.fields.geojson.value) as Record<string, unknown>;
      if (value.type === 'FeatureCollection' && Array.isArray(value.features) && value.features.length === 1) value = value.features[0] as Record<string, unknown>;
      if (value.type === 'Feature') {
        const p = (value.properties ?? {}) as Record<string, unknown>;
        if (typeof value.id === 'string' && !this.fields.id.readOnly) this.fields.id.value = value.id;
        if (typeof p.name === 'string') this.fields.name.value = p.name;
        if (typeof p.kind === 'string') this.fields.kind.value = p.kind;
        if (typeof p.alt_min_m === 'number') this.fields.altMin.value = String(p.alt_min_m);
        if (typeof p.alt_max_m === 'number') this.fields.altMax.value = String(p.alt_max_m);
        if (typeof p.start === 'string') this.fields.start.value = p.start;
        if (typeof p.end === 'string') this.fields.end.value = p.end;
        if (typeof p.visibility === 'string') this.fields.visibility.value = p.visibility;
        if (Array.isArray(p.shared_with)) this.fields.sharedWith.value = p.shared_with.join(', ');
        const size = p.radius_m ?? p.corridor_m;
        if (typeof size === 'number') this.fields.size.value = String(size);
        this.fields.geojson.value = JSON.stringify(value.geometry);
      }
    } catch {
      // Left as typed: the check or submit names what is wrong.
    }
    this.preview();
  }

  /** The Feature the form describes; throws naming the field that is wrong. */
  feature(): ParleyFeature {
    const mode = this.mode;
    if (!mode) throw new Error('nothing to plan');
    let geometry: ParleyFeature['geometry'];
    try {
      geometry = JSON.parse(this.fields.geojson.value) as ParleyFeature['geometry'];
    } catch {
      throw new Error('GeoJSON: draw a shape or paste a geometry');
    }
    if (!geometry || typeof geometry !== 'object' || !('type' in geometry)) throw new Error('GeoJSON: not a geometry');
    const party = this.store.state.session?.party ?? '';
    const size = Number(this.fields.size.value);
    const properties: ParleyFeature['properties'] = {
      kind: this.fields.kind.value.trim(),
      owner: mode.type === 'counter' ? mode.request.submitter : party,
      start: isoOrNull(this.fields.start.value, 'Start') ?? '',
      end: isoOrNull(this.fields.end.value, 'End'),
      alt_min_m: Number(this.fields.altMin.value),
      alt_max_m: Number(this.fields.altMax.value),
      visibility: this.fields.visibility.value as 'private' | 'parties' | 'public',
    };
    if (mode.type === 'counter') delete (properties as Record<string, unknown>).owner;
    if (!properties.start) throw new Error('Start: required');
    if (this.fields.name.value.trim()) properties.name = this.fields.name.value.trim();
    if (properties.visibility === 'parties') properties.shared_with = this.fields.sharedWith.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (geometry.type === 'Point' || geometry.type === 'MultiPoint') {
      if (!(size > 0)) throw new Error('Radius or half-width (m): a circle needs a radius');
      properties.radius_m = size;
    } else if (geometry.type === 'LineString' || geometry.type === 'MultiLineString') {
      if (!(size > 0)) throw new Error('Radius or half-width (m): a corridor needs a half-width');
      properties.corridor_m = size;
    }
    return { type: 'Feature', id: this.fields.id.value.trim(), geometry, properties };
  }

  private preview(): void {
    try {
      this.map.showDraft(this.feature());
    } catch {
      this.map.showDraft(null);
    }
  }

  private fail(e: unknown): void {
    this.store.notify('error', e instanceof Error ? e.message : String(e));
  }

  private async check(): Promise<void> {
    try {
      const feature = this.feature();
      const ok = await this.actions.check(feature);
      if (!ok) return;
      const conflicts = this.store.state.draftConflicts;
      if (conflicts.some((c) => c.area)) touches.push(Date.now());
      this.budget.textContent = touchSummary();
      render(this.conflicts, conflicts.length === 0 ? h('p', { class: 'ok' }, 'No conflict: it would be accepted.')
        : h('div', {}, h('p', {}, `${conflicts.length} conflict(s): it would wait for concurrence.`),
          h('ul', { class: 'conflicts' }, conflicts.map((c) => h('li', {},
            `${c.owner} · ${c.kind}`, ' ', c.id ? h('code', {}, c.id) : h('span', { class: 'muted' }, `hidden (${c.handle?.slice(0, 10) ?? ''}…), cell at ${c.area?.south.toFixed(2)}, ${c.area?.west.toFixed(2)}`))))));
    } catch (e) {
      this.fail(e);
    }
  }

  private async submit(): Promise<void> {
    const mode = this.mode;
    if (!mode) return;
    try {
      const feature = this.feature();
      if (mode.type === 'zone') {
        const version = mode.edit ? Number(mode.edit.properties.version ?? 1) : undefined;
        if (await this.actions.declareZone(feature, version)) this.close();
      } else if (mode.type === 'counter') {
        if (await this.actions.answer(mode.request, 'counter-propose', mode.reason || 'counter-proposal', feature)) this.close();
      } else {
        const version = mode.edit ? Number(mode.edit.properties.version ?? 1) : undefined;
        const state = await this.actions.submitOperation(feature, version);
        if (state) {
          this.map.showDraft(null);
          this.mode = null;
          this.onClose();
        }
      }
    } catch (e) {
      this.fail(e);
    }
  }
}

function cellPolygon(area: { west: number; south: number; east: number; north: number }): ParleyFeature['geometry'] {
  const { west: w, south: s, east: e, north: n } = area;
  return { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
}

