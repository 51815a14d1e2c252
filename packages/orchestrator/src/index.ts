export { loadTaskRequest } from './load-task-request.js';
export { clarifyScope, type ScopedRequest, type RequestClassification } from './engineer.js';
export { decompose, type PlannedAssignment } from './decompose.js';
export { runDeveloper, type DeveloperOptions, type DeveloperResult } from './developer.js';
export {
  runRequestPipeline,
  newRequestId,
  type RequestPipelineOptions,
  type RequestOutcome,
} from './request-pipeline.js';
