import GeoJSON from 'ol/format/GeoJSON';
import type Geometry from 'ol/geom/Geometry';
import LineString from 'ol/geom/LineString';
import MultiLineString from 'ol/geom/MultiLineString';
import MultiPolygon from 'ol/geom/MultiPolygon';
import Polygon, { circular } from 'ol/geom/Polygon';
import type { CoarseCell, ParleyFeature } from '../api/types';

const format = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });

/**
 * The map geometry of a declaration: a point with `radius_m` becomes a geodesic circle, a line with `corridor_m`
 * stays a line (drawn as wide as the corridor at every zoom), polygons stay polygons.
 */
export function toMapGeometry(feature: ParleyFeature): Geometry | null {
  const g = feature.geometry;
  if (!g) return null;
  const radius = Number(feature.properties.radius_m ?? 0);
  if (g.type === 'Point') {
    return circular(g.coordinates as [number, number], Math.max(radius, 1), 64).transform('EPSG:4326', 'EPSG:3857');
  }
  if (g.type === 'MultiPoint') {
    const circles = g.coordinates.map((c) => circular(c as [number, number], Math.max(radius, 1), 48).transform('EPSG:4326', 'EPSG:3857') as Polygon);
    return new MultiPolygon(circles);
  }
  const geometry = format.readGeometry(g);
  if (geometry instanceof LineString || geometry instanceof MultiLineString || geometry instanceof Polygon || geometry instanceof MultiPolygon) {
    return geometry;
  }
  return geometry;
}

/** A disclosure cell as a map polygon. */
export function cellGeometry(cell: CoarseCell): Polygon {
  const ring = [[cell.west, cell.south], [cell.east, cell.south], [cell.east, cell.north], [cell.west, cell.north], [cell.west, cell.south]];
  return new Polygon([ring]).transform('EPSG:4326', 'EPSG:3857') as Polygon;
}

/** A map geometry back in GeoJSON (lon/lat). */
export function toGeoJson(geometry: Geometry): ParleyFeature['geometry'] {
  return format.writeGeometryObject(geometry, { decimals: 6 }) as ParleyFeature['geometry'];
}
