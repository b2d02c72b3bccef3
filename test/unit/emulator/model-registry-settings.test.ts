import { loadEmulatorConfig } from '../../../src/emulator';

test('modelRegistry settings: requireApproval loads; unknown keys and non-booleans are refused by name', async () => {
  await expect(loadEmulatorConfig({ modelRegistry: { requireApproval: false } })).resolves.toEqual({
    modelRegistry: { requireApproval: false },
  });
  await expect(loadEmulatorConfig({ modelRegistry: { approval: false } } as never)).rejects.toThrow(
    'emulator config modelRegistry has unknown key(s) approval (known: requireApproval)',
  );
  await expect(loadEmulatorConfig({ modelRegistry: { requireApproval: 'no' } } as never)).rejects.toThrow(
    'modelRegistry.requireApproval must be true or false, got "no"',
  );
});
