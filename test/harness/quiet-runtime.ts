// Keeps worker logs to warnings and errors so jest's output stays readable. Runs in every test worker before
// any Worker or NativeConnection exists (Runtime.install must come first).
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
