import type BaseLayer from 'ol/layer/Base';
import TileLayer from 'ol/layer/Tile';
import VectorTileLayer from 'ol/layer/VectorTile';
import XYZ from 'ol/source/XYZ';
import { Fill, Stroke, Style } from 'ol/style';
import { PMTilesRasterSource, PMTilesVectorSource } from 'ol-pmtiles';
import { FileSource, PMTiles, TileType } from 'pmtiles';
import { basemap, currentTheme } from './palette';

/**
 * An operator's own basemap, under the outlines: an XYZ tile URL (its origin must be allowed by the server's
 * Content-Security-Policy, see PARLEY_CONSOLE_TILES) or a local PMTiles file, raster or vector, read in the browser.
 */
export async function tileLayer(choice: { url: string } | { file: File }): Promise<BaseLayer> {
  if ('url' in choice) {
    if (!/^https?:\/\/.+\{z\}.*\{x\}.*\{y\}/.test(choice.url) && !/^\/.+\{z\}.*\{x\}.*\{y\}/.test(choice.url)) {
      throw new Error('XYZ tile URL: a template such as https://tiles.example/{z}/{x}/{y}.png');
    }
    return new TileLayer({ source: new XYZ({ url: choice.url, crossOrigin: 'anonymous' }), zIndex: 0.5, properties: { name: 'basemap' } });
  }
  const source = new FileSource(choice.file);
  const header = await new PMTiles(source).getHeader().catch(() => {
    throw new Error('PMTiles file: not a PMTiles archive');
  });
  if (header.tileType === TileType.Mvt) {
    // A vector basemap in one neutral style: land, water and lines, so that the theater stays in front.
    const colours = basemap[currentTheme()];
    const water = new Style({ fill: new Fill({ color: colours.sea }) });
    const area = new Style({ fill: new Fill({ color: colours.land }), stroke: new Stroke({ color: colours.border, width: 0.5 }) });
    const line = new Style({ stroke: new Stroke({ color: colours.border, width: 0.8 }) });
    return new VectorTileLayer({
      // The type names a URL, but the source takes any pmtiles Source (here the local file).
      source: new PMTilesVectorSource({ url: source as unknown as string }),
      style: (f) => (String(f.get('layer') ?? '').includes('water') ? water : f.getGeometry()?.getType().includes('Polygon') ? area : line),
      zIndex: 0.5,
      properties: { name: 'basemap' },
    });
  }
  return new TileLayer({ source: new PMTilesRasterSource({ url: source, attributions: [] }), zIndex: 0.5, properties: { name: 'basemap' } });
}
