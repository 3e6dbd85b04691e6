import type { ApiClient } from '../api/client';
import { fromBase64 } from '../util/bytes';
import { idbGet, idbPut } from '../util/idb';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle';
import { parseVerifierKey, verifyCheckpoint } from './note';

/** What the browser keeps per agreement: the center's key it first trusted and the last checkpoint it verified. */
interface Kept {
  key: string;
  size: number;
  root: string;
  verifiedAt: string;
}

/** The outcome of one audit. */
export interface AuditResult {
  ok: boolean;
  /** A fork, a rollback or a changed key: the log is not what this browser saw before. */
  alarm: boolean;
  size: number;
  root: string;
  previousSize: number | null;
  ownEntriesChecked: number;
  message: string;
}

const recentEntries = 48;

/**
 * Audits the agreement's ledger in the browser: the latest checkpoint's signature against the center's key (kept
 * from the first audit: a changed key is an alarm), consistency with the last checkpoint verified here (a smaller
 * or inconsistent tree is an alarm), and inclusion of the party's own entries among the most recent ones. Only a
 * clean audit replaces what is kept.
 */
export async function audit(api: ApiClient, party: string): Promise<AuditResult> {
  const storeKey = api.agreement;
  const kept = await idbGet<Kept>('ledger', storeKey);
  const keyText = (await api.ledgerText('key')).trim();
  const fail = (message: string, alarm: boolean, size = 0, root = ''): AuditResult =>
    ({ ok: false, alarm, size, root, previousSize: kept?.size ?? null, ownEntriesChecked: 0, message });
  if (kept && kept.key !== keyText) {
    return fail(`the center's key changed since this browser first verified it (${kept.key.split('+')[0]})`, true);
  }
  const key = await parseVerifierKey(keyText);
  let checkpoint;
  try {
    checkpoint = await verifyCheckpoint(await api.ledgerText('checkpoint'), key);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e), true);
  }
  const { size, root, rootText } = checkpoint;
  if (kept) {
    if (size < kept.size) {
      return fail(`rollback: the log has ${size} entries, this browser verified ${kept.size}`, true, size, rootText);
    }
    const proof = size === kept.size ? { hashes: [] as string[] }
      : await api.ledgerJson<{ hashes: string[] }>(`proof/consistency?from=${kept.size}&to=${size}`);
    const consistent = await verifyConsistency(kept.size, size, fromBase64(kept.root), root, proof.hashes.map(fromBase64));
    if (!consistent) {
      return fail(`fork: the checkpoint of ${size} entries does not extend the one of ${kept.size} verified here`, true, size, rootText);
    }
  }
  let own = 0;
  for (let index = Math.max(0, size - recentEntries); index < size; index++) {
    const entry = await api.ledgerEntry(index);
    let submitter: unknown;
    try {
      submitter = (JSON.parse(new TextDecoder().decode(entry)) as { submitter?: unknown }).submitter;
    } catch {
      submitter = undefined;
    }
    if (submitter !== party) continue;
    const proof = await api.ledgerJson<{ hashes: string[] }>(`proof/inclusion?index=${index}&size=${size}`);
    if (!(await verifyInclusion(index, size, await leafHash(entry), proof.hashes.map(fromBase64), root))) {
      return fail(`entry ${index} of ${party} is not included in the checkpoint`, true, size, rootText);
    }
    own++;
  }
  await idbPut('ledger', storeKey, { key: keyText, size, root: rootText, verifiedAt: new Date().toISOString() } satisfies Kept);
  const since = kept ? `, consistent with the ${kept.size} verified before` : ', first checkpoint kept in this browser';
  return {
    ok: true, alarm: false, size, root: rootText, previousSize: kept?.size ?? null, ownEntriesChecked: own,
    message: `Verified: ${size} entries signed by ${key.name}${since}; ${own} of ${party}'s recent entries included`,
  };
}
