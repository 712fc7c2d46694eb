// The single workflowsPath the worker bundles.
export { analyzeWorkflow } from './analyze';
export { healWorkflow } from './heal';
export { releaseBackpressureWorkflow } from './backpressure-release';
export { retentionWorkflow } from './retention';
export { watchWorkflow } from './watch';
