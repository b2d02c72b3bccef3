import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadEmulatorConfig } from '../../../src/emulator';

const dir = mkdtempSync(join(tmpdir(), 'emulator-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('loadEmulatorConfig', () => {
  test('the example config in examples/emulator loads', async () => {
    const config = await loadEmulatorConfig(join(__dirname, '../../../examples/emulator/faults.json'));
    expect(config.faults?.endpoints?.churn?.variants?.Challenger?.errorRate5xx).toBe(0.05);
    expect(config.delays).toEqual({ createMs: 2000, updateMs: 1500, deleteMs: 500 });
  });

  test('fault keys may sit at the top level, the shape PUT /_emulator/faults takes', async () => {
    const config = await loadEmulatorConfig({
      endpoints: { e: { updateFails: true } },
      cloudwatchNoData: true,
    } as never);
    expect(config).toEqual({ faults: { endpoints: { e: { updateFails: true } }, cloudwatchNoData: true } });
  });

  test('unknown keys, bad faults, bad JSON and missing files are refused by name', async () => {
    await expect(loadEmulatorConfig({ delay: {} } as never)).rejects.toThrow(/unknown key\(s\) delay/);
    await expect(
      loadEmulatorConfig({ faults: { endpoints: { e: { variants: { V: { errorRate5xx: 3 } } } } } }),
    ).rejects.toThrow('config.faults.endpoints.e.variants.V.errorRate5xx must be a number between 0 and 1');
    await expect(loadEmulatorConfig(file('bad.json', '{ nope'))).rejects.toThrow(/is not JSON/);
    await expect(loadEmulatorConfig(join(dir, 'missing.json'))).rejects.toThrow(/cannot be read/);
  });
});
