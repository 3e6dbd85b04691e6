import type { FeatureLike } from 'ol/Feature';
import { Fill, Stroke, Style, Text } from 'ol/style';
import { alpha, currentTheme, basemap, stateColours, termColours, zoneColours } from './palette';

/** What a map feature stands for, set on it when it is made. */
export interface Meta {
  category: 'zone' | 'operation' | 'cell' | 'draft' | 'probe' | 'designated-area' | 'suspension' | 'incident';
  id: string;
  kind: string;
  state: string;
  own: boolean;
  label: string;
  corridorM: number;
  lat: number;
  start: number;
  end: number;
  altMin: number;
  altMax: number;
  /** The style group of a zone or operation, for drawing small zones merged (dense.ts). */
  group?: number;
}

const cache = new Map<string, Style | Style[]>();

function cached(key: string, make: () => Style | Style[]): Style | Style[] {
  let style = cache.get(key);
  if (!style) {
    style = make();
    cache.set(key, style);
  }
  return style;
}

/** Drops cached styles (after a theme change). */
export function clearStyles(): void {
  epoch++;
  cache.clear();
  hatches.clear();
}

const hatches = new Map<string, CanvasPattern | string>();

/** A diagonal hatch: the disclosed cell of something the party may not see. */
function hatch(colour: string): CanvasPattern | string {
  let pattern = hatches.get(colour);
  if (!pattern) {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 10;
    const ctx = canvas.getContext('2d');
    if (!ctx) return alpha(colour, 0.2);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(-2, 12);
    ctx.lineTo(12, -2);
    ctx.moveTo(8, 12);
    ctx.lineTo(12, 8);
    ctx.moveTo(-2, 2);
    ctx.lineTo(2, -2);
    ctx.stroke();
    pattern = ctx.createPattern(canvas, 'repeat') ?? alpha(colour, 0.2);
    hatches.set(colour, pattern);
  }
  return pattern;
}

function colourOf(meta: Meta): string {
  return meta.category === 'zone' ? (zoneColours[meta.kind] ?? '#5b6470') : (stateColours[meta.state] ?? '#5b6470');
}

function label(meta: Meta, colour: string): Text {
  const theme = basemap[currentTheme()];
  return new Text({
    text: meta.label,
    font: '600 11px system-ui, "DejaVu Sans", sans-serif',
    fill: new Fill({ color: meta.category === 'cell' ? colour : theme.label }),
    stroke: new Stroke({ color: theme.halo, width: 3 }),
    overflow: true,
    placement: meta.corridorM > 0 ? 'line' : 'point',
  });
}

/**
 * The style of one feature at one resolution: colour by kind (zones) or state (operations), solid for the
 * party's own, dashed for others', hatched for disclosed cells; labels only when zoomed in or selected.
 */
let epoch = 0;

/** What one feature was last styled with: reused while the resolution, the selection and the theme are the same. */
interface Memo {
  resolution: number;
  selected: boolean;
  epoch: number;
  style: Style | Style[];
}

const memos = new WeakMap<object, Memo>();

export function styleFor(feature: FeatureLike, resolution: number, selectedId: string | null, showLabels: boolean): Style | Style[] {
  const meta = feature.get('meta') as Meta;
  const selected = meta.id === selectedId;
  const memo = memos.get(feature);
  if (memo && memo.resolution === resolution && memo.selected === selected && memo.epoch === epoch) return memo.style;
  const style = computeStyle(feature, meta, resolution, selected, showLabels);
  memos.set(feature, { resolution, selected, epoch, style });
  return style;
}

function computeStyle(feature: FeatureLike, meta: Meta, resolution: number, selected: boolean, showLabels: boolean): Style | Style[] {
  const colour = colourOf(meta);
  // Labels for what is large enough on screen to carry one (or everything when zoomed in): thousands of small
  // zones stay unlabelled and cheap to draw.
  const geometry = feature.getGeometry();
  const extent = geometry ? geometry.getExtent() : [0, 0, 0, 0];
  const large = Math.max(extent[2]! - extent[0]!, extent[3]! - extent[1]!) / resolution > 60;
  const labelled = selected || showLabels || large || meta.category === 'cell';
  if (meta.category === 'cell') {
    const cellColour = '#b03a2e';
    return cached(`cell|${meta.label}|${selected}`, () => new Style({
      fill: new Fill({ color: hatch(alpha(cellColour, 0.55)) }),
      stroke: new Stroke({ color: cellColour, width: selected ? 3 : 1.5, lineDash: [6, 3] }),
      text: label(meta, cellColour),
      zIndex: 30,
    }));
  }
  if (meta.category === 'probe') {
    return cached(`probe|${meta.label}`, () => new Style({
      stroke: new Stroke({ color: '#7b3fb5', width: 3, lineDash: [2, 4] }),
      text: new Text({ text: meta.label, offsetY: -16, font: '600 11px system-ui, sans-serif', fill: new Fill({ color: '#7b3fb5' }), stroke: new Stroke({ color: basemap[currentTheme()].halo, width: 3 }) }),
      zIndex: 35,
    }));
  }
  if (meta.category === 'designated-area' || meta.category === 'suspension' || meta.category === 'incident') {
    return termOrIncidentStyle(meta, resolution, selected, labelled);
  }
  if (meta.category === 'draft') {
    return cached('draft', () => new Style({
      fill: new Fill({ color: 'rgba(0,120,212,0.12)' }),
      stroke: new Stroke({ color: '#0078d4', width: 2, lineDash: [8, 4] }),
      zIndex: 40,
    }));
  }
  // Other parties' items are dashed where the dash can be seen; a dash costs a canvas far more than a line, and
  // thousands of small zones are drawn with a plain thin line.
  const dashed = !meta.own && (large || meta.category === 'operation');
  const isOperation = meta.category === 'operation';
  const faded = meta.state === 'completed' || meta.state === 'cancelled' || meta.state === 'expired';
  if (meta.corridorM > 0) {
    // A corridor is as wide as its half-width on the ground, at every zoom: metres to pixels at its latitude.
    const px = Math.max(3, Math.round((2 * meta.corridorM) / (resolution * Math.cos((meta.lat * Math.PI) / 180))));
    const key = `corr|${meta.category}|${colour}|${dashed}|${selected}|${px}|${labelled ? meta.label : ''}`;
    return cached(key, () => [
      new Style({ stroke: new Stroke({ color: alpha(colour, faded ? 0.15 : 0.3), width: px, lineCap: 'round', lineJoin: 'round' }), zIndex: isOperation ? 20 : 10 }),
      new Style({
        stroke: new Stroke({ color: colour, width: selected ? 3 : 1.5, lineDash: dashed ? [6, 4] : undefined }),
        text: labelled ? label(meta, colour) : undefined,
        zIndex: isOperation ? 21 : 11,
      }),
    ]);
  }
  const key = `${meta.category}|${colour}|${dashed}|${selected}|${faded}|${labelled ? meta.label : ''}`;
  return cached(key, () => new Style({
    fill: new Fill({ color: alpha(colour, faded ? 0.05 : isOperation ? 0.16 : 0.2) }),
    stroke: new Stroke({
      color: selected ? (currentTheme() === 'dark' ? '#ffffff' : '#101418') : colour,
      width: selected ? 3 : isOperation ? 2 : 1.5,
      lineDash: dashed ? (isOperation ? [8, 4] : [4, 3]) : faded ? [2, 3] : undefined,
    }),
    text: labelled ? label(meta, colour) : undefined,
    zIndex: isOperation ? 20 : 10,
  }));
}


function termOrIncidentStyle(meta: Meta, resolution: number, selected: boolean, labelled: boolean): Style | Style[] {
  const confirmed = meta.category === 'incident' && meta.state === 'confirmed';
  const colour = confirmed ? termColours.confirmed : termColours[meta.category as 'designated-area' | 'suspension' | 'incident'];
  const text = labelled ? label(meta, colour) : undefined;
  if (meta.corridorM > 0) {
    const px = Math.max(3, Math.round((2 * meta.corridorM) / (resolution * Math.cos((meta.lat * Math.PI) / 180))));
    return cached(`${meta.category}|corr|${px}|${selected}|${confirmed}|${labelled ? meta.label : ''}`, () => [
      new Style({ stroke: new Stroke({ color: alpha(colour, 0.22), width: px, lineCap: 'round', lineJoin: 'round' }), zIndex: 31 }),
      new Style({ stroke: new Stroke({ color: colour, width: selected ? 3 : 1.5, lineDash: [2, 3] }), text, zIndex: 32 }),
    ]);
  }
  return cached(`${meta.category}|${selected}|${confirmed}|${labelled ? meta.label : ''}`, () => {
    if (meta.category === 'designated-area') {
      return new Style({
        fill: new Fill({ color: alpha(colour, 0.05) }),
        stroke: new Stroke({ color: colour, width: selected ? 3 : 2, lineDash: [12, 6] }),
        text, zIndex: 5,
      });
    }
    if (meta.category === 'suspension') {
      return new Style({
        fill: new Fill({ color: crossHatch(alpha(colour, 0.45)) }),
        stroke: new Stroke({ color: colour, width: selected ? 3 : 2, lineDash: [4, 4] }),
        text, zIndex: 6,
      });
    }
    return new Style({
      fill: new Fill({ color: alpha(colour, selected ? 0.22 : 0.12) }),
      stroke: new Stroke({ color: colour, width: selected ? 3 : 1.5, lineDash: [2, 3] }),
      text, zIndex: 32,
    });
  });
}

/** A cross-hatch: a suspension (a grounding), distinct from the diagonal hatch of disclosed cells. */
function crossHatch(colour: string): CanvasPattern | string {
  const key = `x|${colour}`;
  let pattern = hatches.get(key);
  if (!pattern) {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 12;
    const ctx = canvas.getContext('2d');
    if (!ctx) return alpha(colour, 0.1);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, 0);
    ctx.lineTo(12, 12);
    ctx.moveTo(12, 0);
    ctx.lineTo(0, 12);
    ctx.stroke();
    pattern = ctx.createPattern(canvas, 'repeat') ?? alpha(colour, 0.1);
    hatches.set(key, pattern);
  }
  return pattern;
}
