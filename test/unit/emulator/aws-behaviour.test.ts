// The aws profile's timing settings: what the defaults are, how an instance type finds its provisioning time, and that
// a wrong setting is refused by name instead of silently running with a default.
import { loadEmulatorConfig } from '../../../src/emulator';
import { provisioningSeconds, resolveAwsBehaviour } from '../../../src/emulator/aws-behaviour';

test('defaults: 3 s consistency, 300 s CPU and 480 s GPU/accelerator fleets, 60 s scale-in, 30 s weights, 3/15/0.9 tracking', () => {
  const b = resolveAwsBehaviour();
  expect(b).toMatchObject({
    consistencySeconds: 3,
    scaleInSeconds: 60,
    weightChangeSeconds: 30,
    targetTracking: { scaleOutDatapoints: 3, scaleInDatapoints: 15, scaleInRatio: 0.9 },
  });
  expect(provisioningSeconds(b, 'ml.m5.xlarge')).toBe(300);
  expect(provisioningSeconds(b, 'ml.c7i.large')).toBe(300);
  expect(provisioningSeconds(b, 'ml.g5.2xlarge')).toBe(480);
  expect(provisioningSeconds(b, 'ml.p4d.24xlarge')).toBe(480);
  expect(provisioningSeconds(b, 'ml.inf2.xlarge')).toBe(480);
  expect(provisioningSeconds(b, undefined)).toBe(300); // serverless
});

test('a type finds its own setting, then its family, then "default"', () => {
  const b = resolveAwsBehaviour({ provisioningSeconds: { 'ml.g5.xlarge': 100, 'ml.g5': 200, default: 50 } });
  expect(provisioningSeconds(b, 'ml.g5.xlarge')).toBe(100);
  expect(provisioningSeconds(b, 'ml.g5.12xlarge')).toBe(200);
  expect(provisioningSeconds(b, 'ml.m5.large')).toBe(50);
});

test('a wrong awsBehaviour is refused, naming the setting', async () => {
  await expect(loadEmulatorConfig({ awsBehaviour: { consistencySecs: 1 } } as never)).rejects.toThrow(
    'awsBehaviour.consistencySecs is not a setting',
  );
  await expect(loadEmulatorConfig({ awsBehaviour: { scaleInSeconds: -1 } })).rejects.toThrow(
    'awsBehaviour.scaleInSeconds must be a number of seconds of at least 0',
  );
  await expect(loadEmulatorConfig({ awsBehaviour: { provisioningSeconds: { m5: 10 } } })).rejects.toThrow(
    'provisioningSeconds key m5 is not an instance type',
  );
  await expect(loadEmulatorConfig({ awsBehaviour: { targetTracking: { scaleInDatapoints: 0 } } })).rejects.toThrow(
    'targetTracking.scaleInDatapoints must be a whole number of at least 1',
  );
  await expect(loadEmulatorConfig({ awsBehaviour: { targetTracking: { scaleInRatio: 1.5 } } })).rejects.toThrow(
    'scaleInRatio must be in (0, 1]',
  );
  await expect(loadEmulatorConfig({ awsBehaviour: { consistencySeconds: 0 } })).resolves.toEqual({
    awsBehaviour: { consistencySeconds: 0 },
  });
});
