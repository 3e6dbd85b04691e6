// A stacked bar chart drawn in SVG by hand: no chart library, nothing fetched, colours from the stylesheet (classes).
const svgNs = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (SVGElement | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

export interface Series {
  key: string;
  label: string;
}

export interface StackedBars {
  title: string;
  /** One label per bar (a period). */
  labels: string[];
  series: Series[];
  /** values[bar][series]. */
  values: number[][];
}

/** A whole number of ticks at most `max`, the axis's top a round number at least `max`. */
function niceTop(max: number): number {
  if (max <= 4) return Math.max(1, max);
  const step = Math.pow(10, Math.floor(Math.log10(max)));
  return Math.ceil(max / step) * step;
}

/**
 * Stacked bars, one per period, each series a class `series-<key>` coloured by the stylesheet. The chart is an image with
 * a name; its figures are in the table beside it, which screen readers read instead.
 */
export function stackedBars(chart: StackedBars, width = 170, height = 132): SVGSVGElement {
  const left = 22, right = 4, top = 6, bottom = 18;
  const plotW = width - left - right, plotH = height - top - bottom;
  const totals = chart.values.map((row) => row.reduce((a, b) => a + b, 0));
  const topValue = niceTop(Math.max(0, ...totals));
  const band = plotW / Math.max(1, chart.labels.length);
  const barW = Math.max(4, Math.min(28, band * 0.62));
  const y = (v: number): number => top + plotH - (v / topValue) * plotH;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': chart.title, class: 'chart' });
  root.append(svg('title', {}, chart.title));
  // Grid lines and the axis: 0, half, top.
  for (const v of [0, topValue / 2, topValue]) {
    if (!Number.isInteger(v)) continue;
    root.append(svg('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' }));
    root.append(svg('text', { x: left - 4, y: y(v) + 3, class: 'tick', 'text-anchor': 'end' }, String(v)));
  }
  const every = Math.ceil(chart.labels.length / Math.max(1, Math.floor(plotW / 34)));
  chart.labels.forEach((label, i) => {
    const x = left + band * i + (band - barW) / 2;
    let base = 0;
    chart.series.forEach((series, j) => {
      const v = chart.values[i]?.[j] ?? 0;
      if (v <= 0) return;
      const rect = svg('rect', { x, y: y(base + v), width: barW, height: Math.max(0, y(base) - y(base + v)), class: `bar series-${series.key}` });
      rect.append(svg('title', {}, `${label}: ${series.label} ${v}`));
      root.append(rect);
      base += v;
    });
    if (i % every === 0) root.append(svg('text', { x: x + barW / 2, y: height - 5, class: 'tick', 'text-anchor': 'middle' }, label));
  });
  return root;
}
