// Colours by meaning, for the light and the dark theme. Zones: what they protect or close; operations: where
// they are in their lifecycle. Own items are drawn solid, other parties' dashed.

export type Theme = 'light' | 'dark';

export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

export const zoneColours: Record<string, string> = {
  protected: '#1b8a5a',
  restricted: '#c0392b',
  designated: '#2f6fb5',
};

export const stateColours: Record<string, string> = {
  proposed: '#7a7f87',
  accepted: '#2f6fb5',
  'awaiting-concurrence': '#d08a00',
  concurred: '#138a8a',
  refused: '#c0392b',
  expired: '#a4485a',
  active: '#6a3fb5',
  completed: '#7a7f87',
  cancelled: '#9aa0a6',
};

/** Term areas and incidents: colours of their own, so that they never read as a zone or an operation. */
export const termColours = { 'designated-area': '#2b7bb9', suspension: '#c2410c', incident: '#9b2f8f', confirmed: '#7f1d1d' } as const;

export const basemap = {
  light: { sea: '#dde6ec', land: '#f3f1ec', border: '#b9b4aa', graticule: 'rgba(90,110,130,0.22)', label: '#2a2f36', halo: 'rgba(255,255,255,0.9)' },
  dark: { sea: '#0f1720', land: '#1c242d', border: '#3a4652', graticule: 'rgba(150,170,190,0.16)', label: '#dfe6ee', halo: 'rgba(10,14,18,0.9)' },
};

/** `#rrggbb` with an alpha, as rgba(). */
export function alpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}
