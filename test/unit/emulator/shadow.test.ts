import { loadEmulatorConfig } from '../../../src/emulator';
import { shadowSamplingShare } from '../../../src/emulator/shadow';

describe('shadowSamplingShare', () => {
  test("the shadow's weight over the production variant's, as AWS's example sets 0.5 against 1 for 50 %", () => {
    expect(shadowSamplingShare(1, 0.5)).toBe(0.5);
    expect(shadowSamplingShare(4, 1)).toBe(0.25);
    expect(shadowSamplingShare(2, 2)).toBe(1);
  });

  test('never more than every request, none at weight 0, all when only TargetVariant reaches production', () => {
    expect(shadowSamplingShare(1, 3)).toBe(1);
    expect(shadowSamplingShare(1, 0)).toBe(0);
    expect(shadowSamplingShare(0, 0.5)).toBe(1);
    expect(shadowSamplingShare(0, 0)).toBe(0);
  });
});

describe('shadow settings', () => {
  test('known values load; unknown keys and values are refused by name', async () => {
    await expect(loadEmulatorConfig({ shadow: { targetVariant: 'serve', copies: 'answered' } })).resolves.toEqual({
      shadow: { targetVariant: 'serve', copies: 'answered' },
    });
    await expect(loadEmulatorConfig({ shadow: { target: 'serve' } } as never)).rejects.toThrow(
      'emulator config shadow has unknown key(s) target',
    );
    await expect(loadEmulatorConfig({ shadow: { targetVariant: 'route' } } as never)).rejects.toThrow(
      'shadow.targetVariant must be "reject" or "serve", got "route"',
    );
    await expect(loadEmulatorConfig({ shadow: { copies: 'all' } } as never)).rejects.toThrow(
      'shadow.copies must be "routed" or "answered"',
    );
  });
});
