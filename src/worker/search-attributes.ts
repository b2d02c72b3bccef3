// The rollout upserts RolloutEndpoint and RolloutPhase so the Temporal UI can filter rollouts. Upserting an
// unregistered attribute fails the workflow task, so the worker checks (and, where allowed, registers) them once at
// start; workflows learn the answer through the searchAttributesAvailable activity.
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ROLLOUT_SEARCH_ATTRIBUTES } from '../workflows/shared';

const NAMES = ROLLOUT_SEARCH_ATTRIBUTES.map((key) => key.name);

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<boolean> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = NAMES.filter((name) => !(name in (customAttributes ?? {})));
    if (missing.length === 0) return true;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    return true;
  } catch (err) {
    console.warn(
      `[worker] search attributes ${NAMES.join(', ')} are not registered and could not be (${String(err)}); ` +
        'rollouts will use the memo only. Register them with: temporal operator search-attribute create --name RolloutEndpoint --type Keyword (and RolloutPhase)',
    );
    return false;
  }
}
