import Feature from 'ol/Feature';
import GeoJSON from 'ol/format/GeoJSON';
import Graticule from 'ol/layer/Graticule';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import { Fill, Stroke, Style, Text } from 'ol/style';
import { feature as topoFeature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { basemap, currentTheme } from './palette';

/**
 * The base of the map without any tile server: country outlines from Natural Earth (world-atlas, served by
 * Parley) and a graticule. The 1:50m outlines come first; the 1:10m ones replace them once loaded.
 */
export function createBasemap(): { layers: (VectorLayer<VectorSource<Feature>> | Graticule)[]; refresh(): void } {
  const source = new VectorSource<Feature>();
  let styles: { key: string; style: Style } | null = null;
  const land = new VectorLayer({
    source,
    style: () => {
      const theme = currentTheme();
      if (styles?.key !== theme) {
        const colours = basemap[theme];
        styles = { key: theme, style: new Style({ fill: new Fill({ color: colours.land }), stroke: new Stroke({ color: colours.border, width: 0.8 }) }) };
      }
      return styles.style;
    },
    updateWhileInteracting: false,
    properties: { name: 'basemap' },
    zIndex: 0,
  });
  // Label styles kept so that a change of theme recolours them in place.
  const labelFill = new Fill({ color: basemap[currentTheme()].label });
  const labelHalo = new Stroke({ color: basemap[currentTheme()].halo, width: 3 });
  const labelFont = '11px system-ui, "DejaVu Sans", sans-serif';
  const gridStroke = new Stroke({ color: basemap[currentTheme()].graticule, width: 1 });
  const graticule = new Graticule({
    strokeStyle: gridStroke,
    showLabels: true,
    lonLabelStyle: new Text({ font: labelFont, fill: labelFill, stroke: labelHalo, textBaseline: 'bottom', offsetY: -4 }),
    latLabelStyle: new Text({ font: labelFont, fill: labelFill, stroke: labelHalo, textAlign: 'end', offsetX: -4 }),
    wrapX: false,
    zIndex: 1,
    properties: { name: 'graticule' },
  });

  const load = async (file: string): Promise<void> => {
    const response = await fetch(`/console/${file}`, { cache: 'force-cache' });
    if (!response.ok) return;
    const topology = (await response.json()) as Topology;
    const countries = topoFeature(topology, topology.objects.countries as GeometryCollection);
    const features = new GeoJSON({ featureProjection: 'EPSG:3857' }).readFeatures(countries) as Feature[];
    source.clear(true);
    source.addFeatures(features);
  };
  void load('countries-50m.json').then(() => {
    // The detailed outlines after the console is up: a coastline at theater scale.
    setTimeout(() => void load('countries-10m.json'), 1500);
  });

  return {
    layers: [land, graticule],
    refresh: () => {
      styles = null;
      const colours = basemap[currentTheme()];
      labelFill.setColor(colours.label);
      labelHalo.setColor(colours.halo);
      gridStroke.setColor(colours.graticule);
      land.changed();
      graticule.changed();
    },
  };
}
