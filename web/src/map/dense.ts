import Feature, { type FeatureLike } from 'ol/Feature';
import type Geometry from 'ol/geom/Geometry';
import MultiLineString from 'ol/geom/MultiLineString';
import MultiPolygon from 'ol/geom/MultiPolygon';
import Polygon from 'ol/geom/Polygon';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import { Style } from 'ol/style';
import type { Meta } from './styles';

const groups = new Map<string, number>();

/** A number shared by the items drawn with the same style at a size of a few pixels (set on `meta.group`). */
export function styleGroup(meta: Pick<Meta, 'category' | 'kind' | 'state' | 'own'>): number {
  const key = `${meta.category}|${meta.kind}|${meta.state}|${meta.own}`;
  let group = groups.get(key);
  if (group === undefined) {
    group = groups.size;
    groups.set(key, group);
  }
  return group;
}

/** Zones smaller than this on screen (pixels, largest side) are drawn merged with the others of their style. */
export const mergedPx = 4;

/**
 * The zones of one layer that are only a few pixels across at the current zoom, drawn as one feature per style
 * instead of one feature each: each zone a filled box of its outline's colour, as wide as the zone and its outline.
 * At that size the outline covers the zone, so the operator sees what the zone's own style would draw; but 10,000
 * zones in view are then a few features to style and record, and boxes to fill, instead of 10,000 canvas paths
 * each filled and stroked (a single path of all of them costs a software canvas as much). A click on a merged zone
 * finds the zone itself (`memberAt`).
 *
 * The layer of the zones keeps every feature: it skips the merged ones (`has`), and draws individually what is
 * large enough to be seen as a shape, selected, a corridor, or filtered out here.
 */
export class MergedZones {
  readonly layer: VectorLayer<VectorSource<Feature<Geometry>>>;
  private readonly source = new VectorSource<Feature<Geometry>>();
  private merged = new Set<FeatureLike>();
  private bucket = NaN;
  private revision = -1;
  private context: readonly unknown[] = [];

  /**
   * @param members the source of the layer of zones
   * @param mergeable whether a zone may be merged at all now (it passes the filters and is not selected)
   * @param styleOf the style of a merged group, from one of its zones (all of a group share their style)
   * @param maxResolution finer than this nothing is merged (every zone is then labelled on its own)
   */
  constructor(
    private readonly members: VectorSource<Feature<Geometry>>,
    name: string,
    zIndex: number,
    private readonly mergeable: (meta: Meta) => boolean,
    styleOf: (zone: FeatureLike, resolution: number) => Style | Style[] | undefined,
    private readonly maxResolution: number,
  ) {
    this.layer = new VectorLayer({
      source: this.source,
      style: (f, resolution) => boxes(styleOf(f.get('zone') as FeatureLike, resolution)),
      zIndex,
      properties: { name },
    });
  }

  /** Whether a zone is drawn within a merged group, not on its own. */
  has(feature: FeatureLike): boolean {
    return this.merged.has(feature);
  }

  /** Regroups after a change of zoom (only when the zoom crossed a step of an eighth of a level). */
  zoomed(resolution: number): void {
    this.refresh(resolution, this.context);
  }

  /**
   * Regroups the zones when they, the zoom (by an eighth of a level) or the context (what `mergeable` reads: the
   * filters and the selection, compared item by item) changed; true when it did.
   */
  refresh(resolution: number, context: readonly unknown[]): boolean {
    const bucket = Math.round(Math.log2(resolution) * 8);
    const revision = this.members.getRevision();
    if (bucket === this.bucket && revision === this.revision && context.length === this.context.length &&
      context.every((c, i) => c === this.context[i])) return false;
    this.bucket = bucket;
    this.revision = revision;
    this.context = context;
    const merged = new Set<FeatureLike>();
    const groups = new Map<number, { zone: Feature<Geometry>; flat: number[]; ends: number[] }>();
    if (resolution >= this.maxResolution) {
      const limit = mergedPx * 2 ** (bucket / 8);
      for (const feature of this.members.getFeatures()) {
        const meta = feature.get('meta') as Meta;
        const geometry = feature.getGeometry();
        if (meta.corridorM > 0 || !(geometry instanceof Polygon || geometry instanceof MultiPolygon)) continue;
        const e = geometry.getExtent();
        if (Math.max(e[2]! - e[0]!, e[3]! - e[1]!) >= limit || !this.mergeable(meta)) continue;
        const key = meta.group ?? 0;
        let group = groups.get(key);
        if (!group) {
          group = { zone: feature, flat: [], ends: [] };
          groups.set(key, group);
        }
        // Each zone as the diagonal of its box: two positions, which the map projects and the style fills.
        group.flat.push(e[0]!, e[1]!, e[2]!, e[3]!);
        group.ends.push(group.flat.length);
        merged.add(feature);
      }
    }
    this.merged = merged;
    this.source.clear(true);
    this.source.addFeatures([...groups.values()].map((g) => {
      const f = new Feature<Geometry>({ geometry: new MultiLineString(g.flat, 'XY', g.ends) });
      f.set('zone', g.zone);
      f.set('merged', true);
      return f;
    }));
    return true;
  }

  /** The merged zone at a map coordinate (within `tolerance` map units), the smallest when several are there. */
  memberAt(coordinate: number[], tolerance: number): Feature<Geometry> | null {
    const [x, y] = coordinate as [number, number];
    let best: Feature<Geometry> | null = null;
    let bestScore = Infinity;
    for (const f of this.members.getFeaturesInExtent([x - tolerance, y - tolerance, x + tolerance, y + tolerance])) {
      if (!this.merged.has(f)) continue;
      const e = f.getGeometry()!.getExtent();
      const inside = f.getGeometry()!.intersectsCoordinate(coordinate) ? 0 : 1;
      const score = inside * 1e12 + (e[2]! - e[0]!) * (e[3]! - e[1]!);
      if (score < bestScore) {
        best = f;
        bestScore = score;
      }
    }
    return best;
  }
}

const boxStyles = new WeakMap<object, Style>();

/** The style of a merged group, made from the style its zones would each have had (solid or faded outline). */
function boxes(of: Style | Style[] | undefined): Style | undefined {
  const style = Array.isArray(of) ? of[0] : of;
  if (!style) return undefined;
  let box = boxStyles.get(style);
  if (!box) {
    const stroke = style.getStroke();
    const colour = String(stroke?.getColor() ?? '#5b6470');
    const faded = (stroke?.getLineDash()?.length ?? 0) > 0;
    const width = stroke?.getWidth() ?? 1.5;
    box = new Style({
      renderer: (coordinates, state) => {
        const ctx = state.context;
        const pad = (width * state.pixelRatio) / 2;
        const alpha = ctx.globalAlpha;
        if (faded) ctx.globalAlpha = alpha * 0.5;
        ctx.fillStyle = colour;
        for (const line of coordinates as number[][][]) {
          const a = line[0]!;
          const b = line[line.length - 1]!;
          const x = Math.min(a[0]!, b[0]!) - pad;
          const y = Math.min(a[1]!, b[1]!) - pad;
          ctx.fillRect(x, y, Math.abs(b[0]! - a[0]!) + 2 * pad, Math.abs(b[1]! - a[1]!) + 2 * pad);
        }
        ctx.globalAlpha = alpha;
      },
    });
    boxStyles.set(style, box);
  }
  return box;
}
