/**
 * SageMaker's List* calls: NameContains, StatusEquals and CreationTime filters, SortBy/SortOrder, MaxResults (1–100)
 * and an opaque NextToken ([BC-SM] ListEndpoints, ListModels, ListEndpointConfigs, ListModelPackageGroups,
 * ListModelPackages inputs).
 */
import { validation } from './errors';
import type { Json } from './state';

export interface Listed {
  name: string;
  createdAt: number;
  status?: string;
  /** Orders items created in the same millisecond under the same name (a group's versions). */
  tiebreak?: number;
  summary: Json;
}

const str = (input: Json, key: string) => (typeof input[key] === 'string' ? (input[key] as string) : undefined);

/** One page of `items` as the call asks; `defaultOrder` is the operation's own ([BC-SM] gives it per operation). */
export function page(
  input: Json,
  items: Listed[],
  key: string,
  defaultMax: number,
  defaultOrder: 'Ascending' | 'Descending' = 'Descending',
): Json {
  const nameContains = str(input, 'NameContains');
  const statusEquals = str(input, 'StatusEquals');
  const before = typeof input.CreationTimeBefore === 'number' ? input.CreationTimeBefore * 1000 : Infinity;
  const after = typeof input.CreationTimeAfter === 'number' ? input.CreationTimeAfter * 1000 : -Infinity;
  let list = items.filter(
    (i) =>
      (!nameContains || i.name.toLowerCase().includes(nameContains.toLowerCase())) &&
      (!statusEquals || i.status === statusEquals) &&
      i.createdAt < before &&
      i.createdAt > after,
  );
  const sortBy = str(input, 'SortBy') ?? 'CreationTime';
  const descending = (str(input, 'SortOrder') ?? defaultOrder) === 'Descending';
  list = list.sort((a, b) => {
    const c =
      sortBy === 'Name'
        ? a.name.localeCompare(b.name) || (a.tiebreak ?? 0) - (b.tiebreak ?? 0)
        : sortBy === 'Status'
          ? (a.status ?? '').localeCompare(b.status ?? '')
          : a.createdAt - b.createdAt || a.name.localeCompare(b.name) || (a.tiebreak ?? 0) - (b.tiebreak ?? 0);
    return descending ? -c : c;
  });
  const max = typeof input.MaxResults === 'number' ? Math.max(1, Math.min(100, input.MaxResults)) : defaultMax;
  let offset = 0;
  const token = str(input, 'NextToken');
  if (token) {
    offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw validation(`Invalid pagination token "${token}".`);
  }
  const slice = list.slice(offset, offset + max);
  const body: Json = { [key]: slice.map((i) => i.summary) };
  if (offset + max < list.length) body.NextToken = Buffer.from(String(offset + max), 'utf8').toString('base64url');
  return body;
}
