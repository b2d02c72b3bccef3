// One real Temporal dev server for the whole jest run. Test files reach it through TEMPORAL_ADDRESS, which jest's
// workers inherit because they are spawned after this runs; each test uses its own task queue and workflow ids.
import { resolveTemporalPath, startDevServer, type DevServer } from '../../src/local/dev-server';

declare global {
  var __TEMPORAL_DEV_SERVER__: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const temporalPath = resolveTemporalPath();
  // The ports are picked free just before the server binds them; on a busy machine another process can take one in
  // between and the server exits at once. A fresh set of ports fixes that, so try a few times.
  let server: DevServer | undefined;
  for (let attempt = 1; !server; attempt++) {
    try {
      server = await startDevServer({ temporalPath, headless: true });
    } catch (err) {
      if (attempt >= 3) throw err;
      process.stderr.write(`[global-setup] ${String(err)}; retrying\n`);
    }
  }
  globalThis.__TEMPORAL_DEV_SERVER__ = server;
  process.env.TEMPORAL_CLI_PATH = temporalPath;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = server.namespace;
  process.stderr.write(`\n[global-setup] Temporal dev server ${server.address} (${temporalPath})\n`);
}
