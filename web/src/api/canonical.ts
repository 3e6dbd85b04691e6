/**
 * RFC 8785 (JSON Canonicalization Scheme): members sorted by their UTF-16 code units, numbers and strings as
 * ECMAScript serialises them, no whitespace. The server canonicalises the same way before it verifies.
 */
export function canonicalize(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new RangeError('RFC 8785 has no form for a number that is not finite');
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return '[' + value.map(canonicalize).join(',') + ']';
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + canonicalize(v)).join(',') + '}';
  }
  throw new TypeError(`no JSON form for a ${typeof value}`);
}
