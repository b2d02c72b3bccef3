// Temporal connection settings from the standard environment config (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the TOML config file), the same ones the `temporal` CLI
// reads, so the worker, our CLI and the Temporal CLI always talk to the same cluster.
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { ClientConnectConfig } from '@temporalio/envconfig';

export function temporalConnectConfig(): ClientConnectConfig & { namespace: string } {
  const config = loadClientConnectConfig();
  const address = config.connectionOptions.address ?? 'localhost:7233';
  return {
    ...config,
    connectionOptions: { ...config.connectionOptions, address },
    namespace: config.namespace ?? 'default',
  };
}
