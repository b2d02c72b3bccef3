// A trivial workflow + activity that prove the harness runs real code on the real server.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './sample-activities';

const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function sampleGreeting(name: string): Promise<string> {
  return await greet(name);
}
