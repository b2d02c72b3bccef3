// The foundation: a workflow with one activity runs end to end on the real Temporal dev server, started once by
// the SDK client and once by the `temporal` CLI binary itself (the path users take).
import { connectClient, temporalCli, uniqueName, withWorker } from '../../harness/temporal';
import * as activities from './sample-activities';

const workflowsPath = require.resolve('./sample-workflows');

test('a workflow started by the SDK client runs its activity on the real server', async () => {
  const taskQueue = uniqueName('harness');
  const { client, close } = await connectClient();
  try {
    const info = await client.workflowService.getSystemInfo({});
    expect(info.serverVersion).toMatch(/^1\.\d+\.\d+/); // a real server answered, not a test double
    const result = await withWorker({ taskQueue, workflowsPath, activities }, () =>
      client.workflow.execute('sampleGreeting', { taskQueue, workflowId: uniqueName('greet'), args: ['SDK'] }),
    );
    expect(result).toBe(`Hello, SDK! (from pid ${process.pid})`);
  } finally {
    await close();
  }
});

test('a workflow started with `temporal workflow start` returns its result to `temporal workflow result`', async () => {
  const taskQueue = uniqueName('harness-cli');
  const workflowId = uniqueName('greet-cli');
  await withWorker({ taskQueue, workflowsPath, activities }, async () => {
    const started = await temporalCli([
      'workflow',
      'start',
      '--type',
      'sampleGreeting',
      '--task-queue',
      taskQueue,
      '--workflow-id',
      workflowId,
      '--input',
      '"CLI"',
      '--output',
      'json',
    ]);
    expect(JSON.parse(started)).toMatchObject({ workflowId });
    const result = JSON.parse(
      await temporalCli(['workflow', 'result', '--workflow-id', workflowId, '--output', 'json']),
    );
    expect(result).toMatchObject({ status: 'COMPLETED', result: `Hello, CLI! (from pid ${process.pid})` });
  });
});
